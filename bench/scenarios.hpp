#pragma once
// The scenarios of bench/fleet_bench (issue "Performance and scale"). Each
// starts its own broker and programs under cfg.state_root/<scenario>, measures
// against a baseline taken in the same run and returns its report.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/bench_fleet.hpp"
#include "bench/bench_report.hpp"
#include "bench/wire_counter.hpp"

namespace fleetcast::bench {

struct BenchConfig {
    std::filesystem::path state_root;  // /dev/shm/... (tmpfs) or a disk folder
    int devices = 1000;
    int models = 3;
    std::uint64_t image_bytes = 8ULL << 20;    // per model (scenario 1, 5)
    std::uint64_t stream_bytes = 64ULL << 20;  // scenarios 2, 3, 4
    std::uint64_t small_bytes = 1ULL << 20;    // scenario 3
    std::uint32_t chunk_size = 64 * 1024;
    int simulators = 4;   // device simulator processes sharing the fleet (scenario 1)
    int raw_window = 64;  // unacknowledged publishes of the raw baselines (= gateway --fanout-window default)
    int scale_devices = 100000;
    int cluster_devices = 200;  // scenario 7
    std::string log_level = "info";
    std::vector<std::string> gateway_args;
    std::vector<std::string> device_args;
    std::chrono::seconds timeout{900};
    bool keep = false;  // keep state folders
    // Scenario 7: a real pair of consecutive releases (bench/README.md "Deltas").
    std::filesystem::path delta_source, delta_target;
};

// Scenario 1 and the CI smoke test: a simulated fleet updated through one gateway.
struct FanoutRun {
    bool ok = false;
    std::string error;
    std::string campaign;
    std::vector<ImageFile> images;
    double seconds_to_last_power_on = 0;
    std::size_t power_ons = 0;
    std::size_t completed = 0;  // manager results: UPDATING COMPLETED
    LinkBytes manager_to_gateway, fanout, repairs;
    std::map<std::string, LinkBytes> per_topic;
    std::uint64_t device_tcp_bytes = 0;  // kernel bytes_received on the simulator's broker connections
    std::uint64_t device_connections = 0;
    double cpu_manager_s = 0, cpu_gateway_s = 0, cpu_devices_s = 0;  // utime + stime from /proc/PID/stat
};
// CPU seconds (user + system) a process used so far; 0 when it is gone.
double cpu_seconds(int pid);
FanoutRun run_fleet_fanout(BenchFleet& fleet, const BenchConfig& cfg, int devices, int models,
                           std::uint64_t image_bytes, int simulators = 1);

ScenarioReport scenario_fanout(const BenchConfig& cfg, std::uint64_t& manager_bytes_out);
ScenarioReport scenario_stream(const BenchConfig& cfg);
ScenarioReport scenario_memory(const BenchConfig& cfg);
ScenarioReport scenario_resume(const BenchConfig& cfg);
ScenarioReport scenario_direct(const BenchConfig& cfg, std::uint64_t fanout_manager_bytes);
ScenarioReport scenario_scale(const BenchConfig& cfg);
ScenarioReport scenario_delta(const BenchConfig& cfg);
ScenarioReport scenario_cluster(const BenchConfig& cfg);

// Sum of image sizes, and of chunk messages (payload + header) of those images.
std::uint64_t image_bytes(const std::vector<ImageFile>& images);
std::uint64_t chunk_message_bytes(const std::vector<ImageFile>& images);
FleetOptions fleet_options(const BenchConfig& cfg, const std::string& scenario);
void cleanup(const BenchConfig& cfg, const std::filesystem::path& dir);
std::string model_name(int i);

}  // namespace fleetcast::bench
