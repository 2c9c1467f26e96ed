// Scenario 1: 1,000 virtual devices, 3 models, one image per model, campaign
// "now", against a raw Paho fan-out of the same bytes through the same broker.
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "bench/raw_mqtt.hpp"
#include "bench/scenarios.hpp"
#include "bench/tcp_bytes.hpp"
#include "common/chunk_codec.hpp"
#include "common/json.hpp"
#include "tests/support/observer.hpp"

namespace fleetcast::bench {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string model_name(int i) {
    static const char* names[] = {"A123", "B456", "C789", "D012", "E345", "F678"};
    return names[i % 6];
}

double cpu_seconds(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string all((std::istreambuf_iterator<char>(in)), {});
    auto close = all.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream rest(all.substr(close + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i)
        if (i == 14 || i == 15) ticks += std::stod(field);
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::uint64_t image_bytes(const std::vector<ImageFile>& images) {
    std::uint64_t n = 0;
    for (const auto& i : images) n += i.size;
    return n;
}

std::uint64_t chunk_message_bytes(const std::vector<ImageFile>& images) {
    std::uint64_t n = 0;
    for (const auto& i : images) n += i.size + std::uint64_t{i.chunk_count} * kChunkHeaderSize;
    return n;
}

FleetOptions fleet_options(const BenchConfig& cfg, const std::string& scenario) {
    FleetOptions o;
    o.dir = cfg.state_root / scenario;
    std::error_code ec;
    fs::remove_all(o.dir, ec);
    o.log_level = cfg.log_level;
    o.gateway_args = cfg.gateway_args;
    o.device_args = cfg.device_args;
    return o;
}

void cleanup(const BenchConfig& cfg, const fs::path& dir) {
    if (cfg.keep) return;
    std::error_code ec;
    fs::remove_all(dir, ec);
}

FanoutRun run_fleet_fanout(BenchFleet& fleet, const BenchConfig& cfg, int devices, int models, std::uint64_t image_size,
                           int simulators) {
    FanoutRun run;
    WireCounter wire(fleet.uri(), "bench-wire-counter");
    fleet.start_manager();
    fleet.start_gateway("gw1");
    std::vector<std::string> model_list;
    for (int m = 0; m < models; ++m) model_list.push_back(model_name(m));
    std::vector<testing::ChildProcess*> sims;
    simulators = std::max(1, std::min(simulators, devices));
    for (int s = 0; s < simulators; ++s)
        sims.push_back(&fleet.start_simulator("gw1", model_list,
                                              devices / simulators + (s < devices % simulators ? 1 : 0), {"main=1.0"}));
    // The manager answers (it announces itself once subscribed; a loaded broker
    // cluster acknowledges subscriptions behind hundreds of connecting devices).
    if (!fleet.wait_registered(0, std::chrono::seconds(60))) {
        run.error = "the manager did not answer within 60 s";
        return run;
    }
    for (int m = 0; m < models; ++m) {
        auto img = fleet.make_image(model_list[static_cast<std::size_t>(m)], "main", "2.0", image_size);
        auto st = fleet.add_firmware(img, cfg.chunk_size);
        if (!st) {
            run.error = st.error().str();
            return run;
        }
        run.images.push_back(img);
    }
    if (!fleet.wait_registered(static_cast<std::size_t>(devices), std::chrono::seconds(300))) {
        run.error = "devices did not register with the manager";
        return run;
    }
    auto t0 = Clock::now();
    auto campaign = fleet.create_campaign({"--all"});
    if (!campaign) {
        run.error = campaign.error().str();
        return run;
    }
    run.campaign = *campaign;
    bool all = testing::eventually([&] { return wire.power_ons(run.campaign) >= static_cast<std::size_t>(devices); },
                                   cfg.timeout);
    run.power_ons = wire.power_ons(run.campaign);
    if (run.power_ons > 0)
        run.seconds_to_last_power_on = std::chrono::duration<double>(wire.last_power_on(run.campaign) - t0).count();
    // Repairs and reports may still trickle in for a moment; the byte counts are read after the manager agrees.
    auto done =
        fleet.cli({"--timeout", "60s", "results", run.campaign, "--wait-complete", "120"}, std::chrono::seconds(200));
    auto results = fleet.cli_json({"--timeout", "60s", "results", run.campaign}, std::chrono::seconds(120));
    if (results) {
        auto devs = json::get_array(results->get(), "devices", 10000000);
        if (devs) {
            const cJSON* d = nullptr;
            cJSON_ArrayForEach(d, *devs) {
                if (json::get_optional_string(d, "result").value_or("") == "UPDATING COMPLETED") ++run.completed;
            }
        }
    }
    run.cpu_manager_s = cpu_seconds(fleet.manager().pid());
    run.cpu_gateway_s = cpu_seconds(fleet.gateway("gw1").pid());
    for (auto* sim : sims) {
        run.cpu_devices_s += cpu_seconds(sim->pid());
        auto tcp = tcp_bytes_of(sim->pid(), fleet.port());
        run.device_tcp_bytes += tcp.bytes_received;
        run.device_connections += tcp.connections;
    }
    run.manager_to_gateway = wire.manager_to_gateway();
    run.fanout = wire.fanout();
    run.repairs = wire.repairs();
    run.per_topic = wire.per_topic();
    run.ok = all && run.completed == static_cast<std::size_t>(devices);
    if (!all) run.error = std::to_string(run.power_ons) + " of " + std::to_string(devices) + " devices sent power_on";
    else if (!run.ok)
        run.error = "manager results: " + std::to_string(run.completed) + " completed; " + done.output.substr(0, 300);
    return run;
}

ScenarioReport scenario_fanout(const BenchConfig& cfg, std::uint64_t& manager_bytes_out) {
    ScenarioReport rep("1_fanout");
    BenchFleet fleet(fleet_options(cfg, "fanout"));
    // The raw baseline first, on the same broker, while nothing else runs.
    auto raw =
        raw_fanout(fleet.uri(), cfg.devices, cfg.models, cfg.image_bytes, cfg.chunk_size, cfg.raw_window, cfg.timeout);
    if (!raw.ok) rep.fail("raw baseline: " + raw.error);
    // "Raw + device work": the same subscribers also hash and write every chunk
    // (as many worker threads as simulator processes), the work no update system can skip.
    auto raw_work = raw_fanout(fleet.uri(), cfg.devices, cfg.models, cfg.image_bytes, cfg.chunk_size, cfg.raw_window,
                               cfg.timeout, RawWork{fleet.dir() / "raw-work", cfg.simulators});
    if (!raw_work.ok) rep.fail("raw + device work baseline: " + raw_work.error);
    auto run = run_fleet_fanout(fleet, cfg, cfg.devices, cfg.models, cfg.image_bytes, cfg.simulators);
    if (!run.ok) rep.fail(run.error);
    auto images = image_bytes(run.images);
    manager_bytes_out = run.manager_to_gateway.bytes;
    rep.figure("devices", cfg.devices);
    rep.figure("models", cfg.models);
    rep.figure("image_bytes_per_model", static_cast<double>(cfg.image_bytes), "B");
    rep.figure("chunk_size", cfg.chunk_size, "B");
    rep.figure("simulator_processes", cfg.simulators);
    rep.note("state_dir", cfg.state_root.string());
    rep.figure("sum_image_bytes", static_cast<double>(images), "B");
    rep.figure("wall_s", run.seconds_to_last_power_on, "s (campaign create -> last power_on)");
    rep.figure("raw_baseline_s", raw.seconds, "s (raw Paho fan-out, same broker)");
    rep.figure("raw_delivered_bytes", static_cast<double>(raw.bytes_delivered), "B");
    rep.figure("raw_cpu_s", raw.cpu_s, "s (bench process: publisher + subscribers)");
    rep.figure("raw_work_baseline_s", raw_work.seconds, "s (raw + SHA-256 + write of each chunk, same broker)");
    rep.figure("raw_work_cpu_s", raw_work.cpu_s, "s (bench process)");
    rep.figure("raw_work_sha_write_cpu_s", raw_work.work_cpu_s, "s (SHA-256 + pwrite alone)");
    rep.figure("manager_to_gateway_bytes", static_cast<double>(run.manager_to_gateway.bytes), "B (observed)");
    rep.figure("gateway_fanout_bytes", static_cast<double>(run.fanout.bytes), "B (observed)");
    rep.figure("gateway_repair_bytes", static_cast<double>(run.repairs.bytes), "B (observed)");
    rep.figure("broker_to_devices_tcp_bytes", static_cast<double>(run.device_tcp_bytes), "B (kernel tcp_info)");
    rep.figure("device_connections", static_cast<double>(run.device_connections));
    rep.figure("devices_completed", static_cast<double>(run.completed));
    rep.figure("cpu_manager_s", run.cpu_manager_s, "s");
    rep.figure("cpu_gateway_s", run.cpu_gateway_s, "s");
    rep.figure("cpu_device_simulators_s", run.cpu_devices_s, "s");
    if (images > 0) {
        rep.target(
            {"manager->gateway / images", static_cast<double>(run.manager_to_gateway.bytes) / images, "<=", 1.02});
        rep.target({"fan-out (w/o repairs) / images", static_cast<double>(run.fanout.bytes) / images, "<=", 1.1});
    }
    if (raw.seconds > 0) rep.target({"wall / raw baseline", run.seconds_to_last_power_on / raw.seconds, "<=", 1.5});
    if (raw_work.seconds > 0)
        rep.target({"wall / raw + device work", run.seconds_to_last_power_on / raw_work.seconds, "<=", 1.15});
    // Device side per delivered chunk: the simulators' CPU against the SHA-256 + write of a chunk, same run.
    // (every model's image has the same size)
    const std::uint64_t deliveries =
        run.images.empty() ? 0 : std::uint64_t{run.images[0].chunk_count} * static_cast<std::uint64_t>(cfg.devices);
    if (deliveries > 0 && raw_work.messages_delivered > 0 && raw_work.work_cpu_s > 0) {
        const double device_us = run.cpu_devices_s / static_cast<double>(deliveries) * 1e6;
        const double work_us = raw_work.work_cpu_s / static_cast<double>(raw_work.messages_delivered) * 1e6;
        const double raw_us = raw_work.cpu_s / static_cast<double>(raw_work.messages_delivered) * 1e6;
        rep.figure("device_cpu_per_chunk_us", device_us, "us (simulators' CPU / chunk deliveries)");
        rep.figure("sha_write_cpu_per_chunk_us", work_us, "us (raw + device work: SHA-256 + pwrite)");
        rep.figure("raw_work_cpu_per_chunk_us", raw_us, "us (raw + device work: everything, publisher included)");
        rep.target({"device CPU per chunk / (SHA-256 + write)", device_us / work_us, "<=", 2.0});
    }
    fleet.stop_all();
    cleanup(cfg, fleet.dir());
    return rep;
}

}  // namespace fleetcast::bench
