#pragma once
// A program's own retained message (its process or device state), watched on
// the broker: the program subscribes to its own state topic and, when what the
// broker holds there is empty or not something it published recently (a
// stranger's clear, a stale copy, a broker that lost it), publishes its state
// again. The last few payloads count as its own, so the echoes of two quick
// publishes never look foreign.
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace fleetcast {

class OwnRetained {
   public:
    void published(std::string payload) {
        recent_[next_] = std::move(payload);
        next_ = (next_ + 1) % recent_.size();
    }
    // True when the broker's copy is not ours: publish the state again.
    bool foreign(std::string_view payload) const {
        if (payload.empty()) return true;
        for (const auto& p : recent_)
            if (!p.empty() && p == payload) return false;
        return true;
    }

   private:
    std::array<std::string, 4> recent_;
    std::size_t next_ = 0;
};

}  // namespace fleetcast
