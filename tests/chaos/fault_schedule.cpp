#include "tests/chaos/fault_schedule.hpp"

#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>

namespace fleetcast::testing::chaos {

std::vector<Fault> make_fault_schedule(std::uint32_t seed, std::size_t victims, const ScheduleLimits& limits) {
    if (victims == 0) throw std::invalid_argument("no victims");
    // The distributions' results are defined by the standard only for the
    // engine, not for uniform_int_distribution: map the raw engine output
    // ourselves so every standard library gives the same schedule.
    std::mt19937 rng(seed);
    auto uniform = [&](std::uint32_t lo, std::uint32_t hi) {
        return lo + static_cast<std::uint32_t>(rng() % (hi - lo + 1));
    };
    std::vector<Fault> faults;
    for (int i = 0; i < limits.faults; ++i) {
        Fault f;
        f.pause_ms = static_cast<int>(
            uniform(static_cast<std::uint32_t>(limits.min_pause_ms), static_cast<std::uint32_t>(limits.max_pause_ms)));
        f.victim = uniform(0, static_cast<std::uint32_t>(victims - 1));
        f.down_ms = static_cast<int>(uniform(0, static_cast<std::uint32_t>(limits.max_down_ms)));
        faults.push_back(f);
    }
    return faults;
}

std::uint32_t chaos_seed_from_env() {
    if (const char* s = std::getenv("FLEETCAST_CHAOS_SEED"); s && *s) return static_cast<std::uint32_t>(std::stoul(s));
    std::random_device rd;
    return rd();
}

}  // namespace fleetcast::testing::chaos
