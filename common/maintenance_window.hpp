#pragma once
// A gateway's maintenance window (issue 16 item 5): the local times of the
// week, in an IANA time zone, when the gateway may start updates and fetch
// images. "Mon-Fri 22:00-05:00" opens at 22:00 on Monday to Friday and
// closes at 05:00 the next morning. Local times become instants through the
// system tz database (Howard Hinnant's date/tz, USE_OS_TZDB), so summer time
// is the zone's own rule. Pure: the caller gives the time.
// See README "Maintenance windows" for the exact semantics.
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"

namespace fleetcast {

inline constexpr std::size_t kMaxWindowSpec = 64;

struct MaintenanceWindow {
    std::array<bool, 7> days{};  // the window opens on these days: [0] Monday ... [6] Sunday
    int start_minute = 0;        // local minutes after midnight, 0..1439
    int end_minute = 0;          // 1..1440; at or before start_minute: the next day
    std::string spec;            // as given, e.g. "Mon-Fri 22:00-05:00"
    std::string tz;              // IANA name, e.g. "Europe/Berlin"
    bool operator==(const MaintenanceWindow& o) const { return spec == o.spec && tz == o.tz; }
};

// "DAYS HH:MM-HH:MM": DAYS a comma list of day names (Mon..Sun, any case) and
// ranges (Mon-Fri, Fri-Mon wraps), or "daily"; 24:00 as an end is midnight.
// Errors (code bad_args): unknown day or zone, bad times, start == end.
Expected<MaintenanceWindow> parse_window(std::string_view spec, std::string_view tz);

// One opening of the window, as instants.
struct WindowSpan {
    TimePoint open{};
    TimePoint close{};
};
// The opening that contains `now`, else the next one that starts after it.
// A local time the clocks skip (spring forward) is the moment they jump; one
// they pass twice (fall back) is its first occurrence. A span that would be
// empty after that (a window entirely inside a skipped hour) is skipped.
WindowSpan window_span(const MaintenanceWindow& w, TimePoint now);
// open <= now < close.
bool window_open(const MaintenanceWindow& w, TimePoint now);
// The earliest instant at or after `t` inside the window.
TimePoint next_open_time(const MaintenanceWindow& w, TimePoint t);

}  // namespace fleetcast
