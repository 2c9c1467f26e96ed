#pragma once
// The chaos run's fault schedule, made entirely from one seed (std::mt19937):
// which process is killed (kill -9), after which pause, and how long it stays
// down before it is started again. The same seed gives the same schedule, so
// a failing run is replayed with FLEETCAST_CHAOS_SEED=<seed>.
#include <cstdint>
#include <string>
#include <vector>

namespace fleetcast::testing::chaos {

struct Fault {
    int pause_ms = 0;    // before the kill (counted from the previous restart)
    std::size_t victim;  // index into the victim list
    int down_ms = 0;     // between the kill and the restart
};

struct ScheduleLimits {
    int faults = 16;
    int min_pause_ms = 1500, max_pause_ms = 5000;
    int max_down_ms = 3000;
};

std::vector<Fault> make_fault_schedule(std::uint32_t seed, std::size_t victims, const ScheduleLimits& limits);

// FLEETCAST_CHAOS_SEED when set (decimal), else a random seed (std::random_device).
std::uint32_t chaos_seed_from_env();

}  // namespace fleetcast::testing::chaos
