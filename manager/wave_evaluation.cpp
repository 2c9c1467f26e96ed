// The waves' decision (manager/wave_evaluation.hpp).
#include "manager/wave_evaluation.hpp"

namespace fleetcast::manager {

bool wave_succeeded(double success_percent, const WaveCounts& c) {
    if (c.targets == 0) return true;
    // completed / targets >= p / 100, without rounding the share.
    return static_cast<double>(c.completed) * 100.0 >= success_percent * static_cast<double>(c.targets);
}

bool wave_cannot_succeed(double success_percent, const WaveCounts& c) {
    const std::uint64_t lost = c.ended >= c.completed ? c.ended - c.completed : 0;
    const std::uint64_t best = c.targets >= lost ? c.targets - lost : 0;
    return !wave_succeeded(success_percent, {c.targets, best, c.targets});
}

WaveDecision decide_wave(const WavePlan& plan, std::uint32_t open, std::uint32_t total, const WaveCounts& c,
                         const std::optional<TimePoint>& success_met_at, TimePoint now) {
    if (open >= total) return {};
    // Completed targets never reopen: a share met stays met.
    if (!success_met_at && !wave_succeeded(plan.success_percent, c)) return {};
    if (plan.soak.count() <= 0) return {WaveStep::Open, std::nullopt};
    if (!success_met_at) return {WaveStep::SoakStart, now + plan.soak};
    const TimePoint ends = *success_met_at + plan.soak;
    if (now >= ends) return {WaveStep::Open, std::nullopt};
    return {WaveStep::Wait, ends};
}

std::string wave_text(std::uint32_t open, std::uint32_t total) {
    return std::to_string(open) + "/" + std::to_string(total);
}

}  // namespace fleetcast::manager
