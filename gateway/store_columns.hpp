#pragma once
// How GatewayStore's files write a time column and read it back (NULL: none).
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "common/sqlite_db.hpp"

namespace fleetcast::gateway {

inline std::optional<std::string> time_text(const std::optional<TimePoint>& t) {
    if (!t) return std::nullopt;
    return format_time(*t);
}

inline std::optional<TimePoint> time_from(const Statement& s, int col) {
    if (s.is_null(col)) return std::nullopt;
    auto t = parse_time(s.text(col));
    if (!t) return std::nullopt;
    return *t;
}

}  // namespace fleetcast::gateway
