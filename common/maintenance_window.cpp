// Maintenance windows: parsing and the window maths (common/maintenance_window.hpp).
#include "common/maintenance_window.hpp"

#include <date/tz.h>

#include <cctype>
#include <stdexcept>
#include <vector>

namespace fleetcast {

namespace {

constexpr std::array<std::string_view, 7> kDayNames{"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

Error bad(const std::string& message) { return make_error("bad_args", message); }

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::optional<int> day_index(std::string_view name) {
    const auto l = lower(name);
    for (std::size_t i = 0; i < kDayNames.size(); ++i)
        if (l == kDayNames[i]) return static_cast<int>(i);
    return std::nullopt;
}

// "Mon-Fri,Sun" or "daily".
Expected<std::array<bool, 7>> parse_days(std::string_view text) {
    std::array<bool, 7> days{};
    if (lower(text) == "daily") return days.fill(true), days;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find(',', start);
        if (end == std::string_view::npos) end = text.size();
        auto item = text.substr(start, end - start);
        auto dash = item.find('-');
        auto first = day_index(item.substr(0, dash));
        auto last = dash == std::string_view::npos ? first : day_index(item.substr(dash + 1));
        if (!first || !last)
            return bad("unknown day in '" + std::string(item) + "' (Mon, Tue, Wed, Thu, Fri, Sat, Sun, daily)");
        for (int d = *first;; d = (d + 1) % 7) {
            days[static_cast<std::size_t>(d)] = true;
            if (d == *last) break;
        }
        start = end + 1;
    }
    return days;
}

// "HH:MM", 00:00..23:59, or 24:00 when `end`.
Expected<int> parse_clock(std::string_view text, bool end) {
    auto digit = [&](std::size_t i) { return std::isdigit(static_cast<unsigned char>(text[i])) != 0; };
    if (text.size() != 5 || text[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4))
        return bad("time '" + std::string(text) + "' is not HH:MM");
    const int h = (text[0] - '0') * 10 + (text[1] - '0');
    const int m = (text[3] - '0') * 10 + (text[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && (m != 0 || !end)))
        return bad("time '" + std::string(text) + "' is out of range");
    return h * 60 + m;
}

const date::time_zone* zone(const std::string& tz) {
    try {
        return date::locate_zone(tz);
    } catch (const std::exception&) {
        return nullptr;
    }
}

// A local time as an instant: a skipped one is the moment the clocks jump,
// one passed twice its first occurrence.
TimePoint to_instant(const date::time_zone* z, date::local_time<std::chrono::minutes> local) {
    return std::chrono::time_point_cast<TimePoint::duration>(z->to_sys(local, date::choose::earliest));
}

}  // namespace

Expected<MaintenanceWindow> parse_window(std::string_view spec, std::string_view tz) {
    if (spec.size() > kMaxWindowSpec) return bad("window is longer than 64 characters");
    if (tz.empty() || tz.size() > 64) return bad("time zone must be 1-64 characters");
    MaintenanceWindow w;
    w.spec = std::string(spec);
    w.tz = std::string(tz);
    if (!zone(w.tz)) return bad("unknown time zone '" + w.tz + "'");
    auto space = spec.find(' ');
    if (space == std::string_view::npos || spec.find(' ', space + 1) != std::string_view::npos)
        return bad("window '" + w.spec + "' is not 'DAYS HH:MM-HH:MM' (e.g. 'Mon-Fri 22:00-05:00')");
    auto days = parse_days(spec.substr(0, space));
    if (!days) return days.error();
    w.days = *days;
    auto times = spec.substr(space + 1);
    auto dash = times.find('-');
    if (dash == std::string_view::npos) return bad("times '" + std::string(times) + "' are not HH:MM-HH:MM");
    auto start = parse_clock(times.substr(0, dash), false);
    if (!start) return start.error();
    auto end = parse_clock(times.substr(dash + 1), true);
    if (!end) return end.error();
    if (*start == *end) return bad("window '" + w.spec + "' opens and closes at the same time");
    w.start_minute = *start;
    w.end_minute = *end;
    return w;
}

WindowSpan window_span(const MaintenanceWindow& w, TimePoint now) {
    const date::time_zone* z = zone(w.tz);
    if (!z) z = date::locate_zone("UTC");
    const auto local_now = z->to_local(std::chrono::time_point_cast<std::chrono::seconds>(now));
    const auto today = date::floor<date::days>(local_now);
    // From yesterday (a window that crossed midnight may still be open) on;
    // eight days more always reach a listed day.
    for (int i = -1; i <= 8; ++i) {
        const date::local_days day = today + date::days{i};
        const unsigned weekday = date::weekday(day).iso_encoding() - 1;  // 0 = Monday
        if (!w.days[weekday]) continue;
        const auto open_local = day + std::chrono::minutes{w.start_minute};
        // An end at or before the start is on the next day (24:00 is always after the start).
        const auto close_local =
            (w.end_minute > w.start_minute ? day : day + date::days{1}) + std::chrono::minutes{w.end_minute};
        WindowSpan span{to_instant(z, open_local), to_instant(z, close_local)};
        if (span.close <= span.open) continue;  // inside a skipped hour
        if (span.close > now) return span;
    }
    return {};  // unreachable: some day is listed
}

bool window_open(const MaintenanceWindow& w, TimePoint now) {
    const auto s = window_span(w, now);
    return s.open <= now && now < s.close;
}

TimePoint next_open_time(const MaintenanceWindow& w, TimePoint t) { return std::max(t, window_span(w, t).open); }

}  // namespace fleetcast
