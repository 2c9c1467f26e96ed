#pragma once
// The waves' decision (issue 16 item 2), pure: from the open wave's tally,
// its success share, its soak and when the share was met, whether the next
// wave opens now, its soak starts, or nothing happens yet.
// manager/wave_guard.cpp feeds it from the store and acts on it.
#include <cstdint>
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "common/wave_plan.hpp"

namespace fleetcast::manager {

// The targets of one wave.
struct WaveCounts {
    std::uint64_t targets = 0;
    std::uint64_t completed = 0;  // COMPLETED: the power-on report named the new versions (R16)
    std::uint64_t ended = 0;      // in a final state, completed or not
};

// At least success_percent of the wave's targets completed.
bool wave_succeeded(double success_percent, const WaveCounts& c);
// The share can no longer be met: too many of the wave's targets ended otherwise.
bool wave_cannot_succeed(double success_percent, const WaveCounts& c);

enum class WaveStep {
    Wait,       // the open wave has not met its share, or its soak runs (soak_ends), or it is the last
    SoakStart,  // the share is met now: remember `now`, open the next wave at soak_ends
    Open,       // open the next wave now
};
struct WaveDecision {
    WaveStep step = WaveStep::Wait;
    std::optional<TimePoint> soak_ends;
};

// `open` of `total` waves is open (1-based); success_met_at: when it met its
// share, if it did before (stored).
WaveDecision decide_wave(const WavePlan& plan, std::uint32_t open, std::uint32_t total, const WaveCounts& c,
                         const std::optional<TimePoint>& success_met_at, TimePoint now);

// "2/4"
std::string wave_text(std::uint32_t open, std::uint32_t total);

}  // namespace fleetcast::manager
