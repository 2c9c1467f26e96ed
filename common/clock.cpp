#include "common/clock.hpp"

#include <cstdint>
#include <cstdio>
#include <ctime>

namespace fleetcast {

ScaledClock::ScaledClock(double scale)
    : scale_(scale), start_(std::chrono::system_clock::now()), steady_start_(std::chrono::steady_clock::now()) {}

ScaledClock::ScaledClock(double scale, TimePoint origin) : ScaledClock(scale) {
    auto since = std::chrono::duration<double, std::nano>(start_ - origin).count() * scale_;
    start_ = origin + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                          std::chrono::duration<double, std::nano>(since));
}

TimePoint ScaledClock::now() const {
    auto real = std::chrono::steady_clock::now() - steady_start_;
    auto scaled = std::chrono::duration_cast<std::chrono::system_clock::duration>(
        std::chrono::duration<double, std::nano>(std::chrono::duration<double, std::nano>(real).count() * scale_));
    return start_ + scaled;
}

std::string format_time(TimePoint t) {
    auto ms_total = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    auto secs = static_cast<std::time_t>(ms_total / 1000);
    int ms = static_cast<int>(ms_total % 1000);
    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[80];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    return buf;
}

namespace {
// Seconds since the epoch of a UTC civil time, as timegm() computes it (a day
// past the month's end rolls into the next month): days from the civil date
// (H. Hinnant's days_from_civil, a well-known public-domain formula).
std::time_t utc_seconds(int y, int mo, int d, int h, int mi, int se) {
    y -= mo <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    const std::int64_t days = std::int64_t{era} * 146097 + doe - 719468;
    return static_cast<std::time_t>(days * 86400 + h * 3600 + mi * 60 + se);
}
}  // namespace

Expected<TimePoint> parse_time(std::string_view text) {
    auto bad = [&] {
        return make_error("bad_time", "'" + std::string(text.substr(0, 64)) + "' is not an ISO-8601 time");
    };
    if (text.size() < 16 || text.size() > 40) return bad();
    std::string_view s = text;
    // YYYY-MM-DDTHH:MM, digits where digits belong (a hand parser: parse_time
    // runs for every stored time a view reads, sscanf was most of its cost).
    auto digits = [&](std::size_t at, std::size_t n, int& out) {
        out = 0;
        for (std::size_t i = at; i < at + n; ++i) {
            if (!isdigit(static_cast<unsigned char>(s[i]))) return false;
            out = out * 10 + (s[i] - '0');
        }
        return true;
    };
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
    if (!digits(0, 4, y) || s[4] != '-' || !digits(5, 2, mo) || s[7] != '-' || !digits(8, 2, d) || s[10] != 'T' ||
        !digits(11, 2, h) || s[13] != ':' || !digits(14, 2, mi))
        return bad();
    std::size_t pos = 16;
    int ms = 0;
    if (pos < s.size() && s[pos] == ':') {
        if (pos + 3 > s.size() || !isdigit(s[pos + 1]) || !isdigit(s[pos + 2])) return bad();
        se = (s[pos + 1] - '0') * 10 + (s[pos + 2] - '0');
        pos += 3;
        if (pos < s.size() && s[pos] == '.') {
            ++pos;
            int digits = 0;
            while (pos < s.size() && isdigit(s[pos])) {
                if (digits < 3) ms = ms * 10 + (s[pos] - '0');
                ++digits;
                ++pos;
            }
            if (digits == 0) return bad();
            for (int i = digits; i < 3; ++i) ms *= 10;
        }
    }
    // Years stay well inside what a nanosecond system_clock can hold (to 2262):
    // a hostile "7046-..." must be an error, not a signed overflow (found by fuzz_device_messages).
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || se > 60 || y < 1970 || y > 2200)
        return bad();
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    std::time_t secs;
    if (pos == s.size()) {
        tm.tm_isdst = -1;
        secs = std::mktime(&tm);  // local time zone
    } else if (s[pos] == 'Z' && pos + 1 == s.size()) {
        secs = utc_seconds(y, mo, d, h, mi, se);
    } else if ((s[pos] == '+' || s[pos] == '-') && s.size() - pos == 6 && s[pos + 3] == ':') {
        int oh = 0, om = 0;
        if (!digits(pos + 1, 2, oh) || !digits(pos + 4, 2, om) || oh > 23 || om > 59) return bad();
        int sign = s[pos] == '+' ? 1 : -1;
        secs = utc_seconds(y, mo, d, h, mi, se) - sign * (oh * 3600 + om * 60);
    } else {
        return bad();
    }
    return TimePoint(std::chrono::seconds(secs)) + std::chrono::milliseconds(ms);
}

Expected<Millis> parse_duration(std::string_view text) {
    auto bad = [&] {
        return make_error("bad_duration", "'" + std::string(text.substr(0, 32)) + "' is not a duration like 20m");
    };
    std::size_t i = 0;
    long long n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        n = n * 10 + (text[i] - '0');
        if (n > 1'000'000'000LL) return bad();
        ++i;
    }
    if (i == 0) return bad();
    auto unit = text.substr(i);
    if (unit == "ms") return Millis(n);
    if (unit == "s" || unit.empty()) return Millis(n * 1000);
    if (unit == "m") return Millis(n * 60'000);
    if (unit == "h") return Millis(n * 3'600'000);
    if (unit == "d") return Millis(n * 86'400'000);
    return bad();
}

}  // namespace fleetcast
