// fleet_bench: runs the performance scenarios of bench/README.md and prints one
// JSON line per scenario plus a readable table. Not a test: it asserts nothing,
// it measures (each figure against a baseline taken in the same run).
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <set>
#include <sstream>

#include "bench/scenarios.hpp"
#include "common/program_options.hpp"

namespace po = boost::program_options;
using namespace fleetcast::bench;

int main(int argc, char** argv) {
    BenchConfig cfg;
    std::string root, scenarios, delta_source, delta_target;
    double image_mib = 8, stream_mib = 64;
    std::uint32_t chunk_kib = 64;
    po::options_description desc("fleet_bench options");
    desc.add_options()("help,h", "show this help")(
        "scenarios", po::value(&scenarios)->default_value("1,2,3,4,5,6"),
        "comma-separated: 1 fan-out, 2 single stream, 3 device memory, 4 resume, 5 direct baseline, 6 manager scale, "
        "7 deltas (not in the default list)")(
        "state-dir", po::value(&root)->default_value("/dev/shm/fleetcast-bench"),
        "where every process keeps its state (tmpfs by default; give a disk folder to measure fsync)")(
        "devices", po::value(&cfg.devices)->default_value(1000), "virtual devices (scenarios 1, 5)")(
        "models", po::value(&cfg.models)->default_value(3), "models, one image each (scenarios 1, 5)")(
        "image-mib", po::value(&image_mib)->default_value(8), "image size per model (scenarios 1, 5)")(
        "stream-mib", po::value(&stream_mib)->default_value(64), "image size of scenarios 2, 3, 4")(
        "chunk-kib", po::value(&chunk_kib)->default_value(64), "chunk size of every image and raw baseline")(
        "simulators", po::value(&cfg.simulators)->default_value(4),
        "device simulator processes for scenario 1 (each one loop thread)")(
        "raw-window", po::value(&cfg.raw_window)->default_value(64), "unacknowledged publishes of the raw baselines")(
        "scale-devices", po::value(&cfg.scale_devices)->default_value(100000), "registered devices (scenario 6)")(
        "cluster-devices", po::value(&cfg.cluster_devices)->default_value(200),
        "virtual devices (scenario 8: broker clusters)")("gateway-arg", po::value(&cfg.gateway_args)->composing(),
                                                         "extra fleetcast-gateway option (repeatable)")(
        "device-arg", po::value(&cfg.device_args)->composing(), "extra fleetcast-device option (repeatable)")(
        "keep", po::bool_switch(&cfg.keep), "keep the state folders and logs")(
        "delta-source", po::value(&delta_source), "scenario 7: the older release of a real program (a file)")(
        "delta-target", po::value(&delta_target), "scenario 7: the next release of the same program");
    fleetcast::add_log_level_option(desc, cfg.log_level, "log level of the programs");
    po::variables_map vm;
    if (auto done = fleetcast::parse_program_options("fleet_bench", argc, argv, desc, vm)) return *done;
    cfg.state_root = root;
    cfg.image_bytes = static_cast<std::uint64_t>(image_mib * 1024 * 1024);
    cfg.stream_bytes = static_cast<std::uint64_t>(stream_mib * 1024 * 1024);
    cfg.chunk_size = chunk_kib * 1024;
    cfg.delta_source = delta_source;
    cfg.delta_target = delta_target;
    std::set<int> chosen;
    std::stringstream ss(scenarios);
    for (std::string item; std::getline(ss, item, ',');) chosen.insert(std::stoi(item));

    std::uint64_t fanout_manager_bytes = 0;
    std::vector<ScenarioReport> reports;
    auto run = [&](int n, auto&& fn) {
        if (!chosen.count(n)) return;
        std::fprintf(stderr, "fleet_bench: scenario %d ...\n", n);
        reports.push_back(fn());
        std::printf("%s\n", reports.back().json_line().c_str());
        std::fflush(stdout);
    };
    run(1, [&] { return scenario_fanout(cfg, fanout_manager_bytes); });
    run(2, [&] { return scenario_stream(cfg); });
    run(3, [&] { return scenario_memory(cfg); });
    run(4, [&] { return scenario_resume(cfg); });
    run(5, [&] { return scenario_direct(cfg, fanout_manager_bytes); });
    run(6, [&] { return scenario_scale(cfg); });
    run(7, [&] { return scenario_delta(cfg); });
    run(8, [&] { return scenario_cluster(cfg); });
    std::printf("\n");
    bool all_ok = true;
    for (const auto& r : reports) {
        std::printf("%s", r.table().c_str());
        all_ok = all_ok && r.ok();
    }
    return all_ok ? 0 : 1;
}
