// Scenario 4 (R23): kill -9 at about 50 % at each hop, restart, count the
// bytes sent a second time on that hop (observed on the broker).
#include <signal.h>

#include <thread>

#include "bench/single_device.hpp"
#include "tests/support/observer.hpp"

namespace fleetcast::bench {

namespace fs = std::filesystem;

namespace {

struct GatewayKill {
    bool ok = false;
    std::string error;
    ImageFile image;
    std::uint64_t chunks_at_kill = 0;
    LinkBytes manager_to_gateway;
};

// The gateway downloads one image from the manager; killed at half of it.
GatewayKill kill_gateway_midway(BenchFleet& fleet, const BenchConfig& cfg) {
    GatewayKill out;
    WireCounter wire(fleet.uri(), "bench-wire-counter");
    fleet.start_manager();
    fleet.start_gateway("gw1");
    fleet.start_simulator("gw1", {"A123"}, 1, {"main=1.0"});
    out.image = fleet.make_image("A123", "main", "2.0", cfg.stream_bytes);
    if (auto st = fleet.add_firmware(out.image, cfg.chunk_size); !st) {
        out.error = st.error().str();
        return out;
    }
    if (!fleet.wait_registered(1, std::chrono::seconds(60))) {
        out.error = "device did not register";
        return out;
    }
    auto campaign = fleet.create_campaign({"--all"});
    if (!campaign) {
        out.error = campaign.error().str();
        return out;
    }
    const std::uint64_t half = out.image.chunk_count / 2;
    if (!testing::eventually([&] { return wire.manager_to_gateway().messages >= half; }, cfg.timeout)) {
        out.error = "gateway download never reached half";
        return out;
    }
    auto& gw = fleet.gateway("gw1");
    gw.signal(SIGKILL);
    gw.wait_exit(std::chrono::seconds(10));
    out.chunks_at_kill = wire.manager_to_gateway().messages;
    fleet.start_gateway("gw1");
    auto cached = fleet.dir() / "gateway-gw1" / "cache" / (out.image.fw_id + ".img");
    if (!testing::eventually([&] { return fs::exists(cached); }, cfg.timeout)) {
        out.error = "gateway never finished the image after its restart";
        return out;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));  // late duplicates, if any, land
    out.manager_to_gateway = wire.manager_to_gateway();
    out.ok = true;
    return out;
}

}  // namespace

ScenarioReport scenario_resume(const BenchConfig& cfg) {
    ScenarioReport rep("4_resume");
    SingleRun dev;
    {
        BenchFleet fleet(fleet_options(cfg, "resume-device"));
        dev = run_single_device(fleet, cfg, cfg.stream_bytes, 50u);
        fleet.stop_all();
        cleanup(cfg, fleet.dir());
    }
    GatewayKill gw;
    {
        BenchFleet fleet(fleet_options(cfg, "resume-gateway"));
        gw = kill_gateway_midway(fleet, cfg);
        fleet.stop_all();
        cleanup(cfg, fleet.dir());
    }
    if (!dev.ok) rep.fail("device kill: " + dev.error);
    if (!gw.ok) rep.fail("gateway kill: " + gw.error);
    const double msg = cfg.chunk_size + 48.0;  // one full chunk message
    auto once = [](const ImageFile& i) { return chunk_message_bytes({i}); };
    double dev_resent =
        static_cast<double>(dev.fanout.bytes + dev.repairs.bytes) - static_cast<double>(once(dev.image));
    double gw_resent = static_cast<double>(gw.manager_to_gateway.bytes) - static_cast<double>(once(gw.image));
    rep.figure("image_bytes", static_cast<double>(cfg.stream_bytes), "B");
    rep.figure("chunk_size", cfg.chunk_size, "B");
    rep.figure("device_killed_at_percent", dev.killed_at_percent, "%");
    rep.figure("device_fanout_bytes", static_cast<double>(dev.fanout.bytes), "B");
    rep.figure("device_repair_bytes", static_cast<double>(dev.repairs.bytes), "B");
    rep.figure("device_hop_resent_bytes", dev_resent, "B");
    rep.figure("device_hop_resent_chunks", dev_resent / msg, "chunks");
    rep.figure("gateway_killed_after_chunks", static_cast<double>(gw.chunks_at_kill));
    rep.figure("gateway_hop_bytes", static_cast<double>(gw.manager_to_gateway.bytes), "B");
    rep.figure("gateway_hop_resent_bytes", gw_resent, "B");
    rep.figure("gateway_hop_resent_chunks", gw_resent / msg, "chunks");
    rep.target({"device hop re-sent chunks", dev_resent / msg, "<=", 2});
    rep.target({"gateway hop re-sent chunks", gw_resent / msg, "<=", 2});
    return rep;
}

}  // namespace fleetcast::bench
