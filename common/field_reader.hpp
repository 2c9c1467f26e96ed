#pragma once
// Reads the fields of one JSON object into a struct, in order, stopping at the
// first that is missing or of the wrong type:
//   FieldReader r(o);
//   r.id("device", "device", d.device).text("status", 32, d.status).time("last_seen", d.last_seen);
//   if (!r.ok()) return r.error();
// Each reader is the json:: getter of the same name (common/json.hpp).
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/json.hpp"

namespace fleetcast {

class FieldReader {
   public:
    explicit FieldReader(const cJSON* o) : o_(o) {}

    FieldReader& id(const char* key, std::string_view what, std::string& out) {
        return read(json::get_id(o_, key, what), out);
    }
    FieldReader& text(const char* key, std::size_t max_len, std::string& out) {
        return read(json::get_string(o_, key, max_len), out);
    }
    FieldReader& version(const char* key, std::string& out) { return read(json::get_version(o_, key), out); }
    FieldReader& versions(const char* key, std::map<std::string, std::string>& out) {
        return read(json::get_versions(o_, key), out);
    }
    FieldReader& uint(const char* key, std::uint64_t max, std::uint64_t& out) {
        return read(json::get_uint(o_, key, max), out);
    }
    FieldReader& flag(const char* key, bool& out) { return read(json::get_bool(o_, key), out); }
    FieldReader& time(const char* key, TimePoint& out) { return read(json::get_time(o_, key), out); }
    FieldReader& optional_time(const char* key, std::optional<TimePoint>& out) {
        return read(json::get_optional_time(o_, key), out);
    }

    bool ok() const { return !error_; }
    const Error& error() const { return *error_; }

   private:
    template <typename T, typename Out>
    FieldReader& read(Expected<T> value, Out& out) {
        if (error_) return *this;
        if (!value) error_ = value.error();
        else out = std::move(*value);
        return *this;
    }

    const cJSON* o_;
    std::optional<Error> error_;
};

}  // namespace fleetcast
