#pragma once
// Named event counters (bad_input, bad_chunk, ...), readable as a snapshot so
// a program can publish them in its retained state.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace fleetcast {

class Counters {
   public:
    void add(const std::string& name, std::uint64_t n = 1) {
        std::lock_guard lock(mu_);
        values_[name] += n;
    }
    std::uint64_t get(const std::string& name) const {
        std::lock_guard lock(mu_);
        auto it = values_.find(name);
        return it == values_.end() ? 0 : it->second;
    }
    std::map<std::string, std::uint64_t> snapshot() const {
        std::lock_guard lock(mu_);
        return values_;
    }

   private:
    mutable std::mutex mu_;
    std::map<std::string, std::uint64_t> values_;
};

}  // namespace fleetcast
