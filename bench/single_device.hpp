#pragma once
// One real device agent (fleetcast-device, not simulated) updated through the
// manager and one gateway: used by the single-stream, memory and resume
// scenarios. While it runs, the agent's peak RSS (VmHWM in /proc/PID/status)
// is sampled every 10 ms: the agent re-executes itself after an install,
// which resets VmHWM, so the peak is the highest sample seen.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "bench/scenarios.hpp"

namespace fleetcast::bench {

struct SingleRun {
    bool ok = false;
    std::string error;
    ImageFile image;
    double transfer_s = 0;  // first fan-out chunk -> device reports "verifying" (every chunk in)
    double total_s = 0;     // campaign create -> power_on
    std::uint64_t peak_rss_kib = 0;
    LinkBytes manager_to_gateway, fanout, repairs;
    std::uint32_t killed_at_percent = 0;  // when kill_at_percent was given
};

// kill_at_percent: kill -9 the agent once it reported this much progress, then start it again.
SingleRun run_single_device(BenchFleet& fleet, const BenchConfig& cfg, std::uint64_t bytes,
                            std::optional<std::uint32_t> kill_at_percent);

// VmHWM of a process in KiB (0 when it is gone).
std::uint64_t vm_hwm_kib(int pid);

}  // namespace fleetcast::bench
