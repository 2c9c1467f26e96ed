#pragma once
// Lenient readers of manager response fields for display: absent or wrong-typed
// fields print as empty / 0, never fail a view.
#include <cstdint>
#include <string>

#include "common/json.hpp"

namespace fleetcast::cli {

inline std::string str(const cJSON* obj, const char* key) {
    auto s = json::get_optional_string(obj, key);
    return s ? *s : std::string();
}

inline std::uint64_t num(const cJSON* obj, const char* key) {
    auto n = json::get_uint(obj, key, UINT64_MAX / 2);
    return n ? *n : 0;
}

// "2026-11-25T21:30:01.000Z" -> "2026-11-25 21:30:01"; "-" when absent.
inline std::string short_time(const std::string& iso) {
    if (iso.size() < 19) return "-";
    return iso.substr(0, 10) + " " + iso.substr(11, 8);
}

}  // namespace fleetcast::cli
