#pragma once
// All time goes through Clock so tests can drive it (ManualClock) and demos
// can run a schedule faster than real time (ScaledClock).
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace fleetcast {

using TimePoint = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;

class Clock {
   public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
   public:
    TimePoint now() const override { return std::chrono::system_clock::now(); }
};

// K schedule seconds per real second, starting from the real time at creation.
// With an origin, now() = origin + K * (real now - origin): processes given
// the same origin and scale agree on the time (demo with several programs).
class ScaledClock final : public Clock {
   public:
    explicit ScaledClock(double scale);
    ScaledClock(double scale, TimePoint origin);
    TimePoint now() const override;

   private:
    double scale_;
    TimePoint start_;
    std::chrono::steady_clock::time_point steady_start_;
};

class ManualClock final : public Clock {
   public:
    explicit ManualClock(TimePoint start) : now_(start) {}
    TimePoint now() const override {
        std::lock_guard lock(mu_);
        return now_;
    }
    void advance(std::chrono::milliseconds d) {
        std::lock_guard lock(mu_);
        now_ += d;
    }
    void set(TimePoint t) {
        std::lock_guard lock(mu_);
        now_ = t;
    }

   private:
    mutable std::mutex mu_;
    TimePoint now_;
};

// UTC ISO-8601 with milliseconds: 2026-11-25T21:30:00.000Z
std::string format_time(TimePoint t);
// Accepts "YYYY-MM-DDTHH:MM[:SS[.fff]]" followed by "Z", "+HH:MM"/"-HH:MM", or
// nothing (then the local time zone of this machine). Result is UTC.
Expected<TimePoint> parse_time(std::string_view text);
// Parses "20m", "90s", "2h", "1500ms", "1d".
Expected<Millis> parse_duration(std::string_view text);

}  // namespace fleetcast
