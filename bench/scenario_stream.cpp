// Scenario 2: one device, a 64 MiB image, gateway -> device throughput against
// a raw Paho publish -> subscribe of the same bytes in the same chunk size.
#include "bench/raw_mqtt.hpp"
#include "bench/single_device.hpp"

namespace fleetcast::bench {

ScenarioReport scenario_stream(const BenchConfig& cfg) {
    ScenarioReport rep("2_single_stream");
    BenchFleet fleet(fleet_options(cfg, "stream"));
    auto raw = raw_stream(fleet.uri(), cfg.stream_bytes, cfg.chunk_size, cfg.raw_window, cfg.timeout);
    if (!raw.ok) rep.fail("raw baseline: " + raw.error);
    auto run = run_single_device(fleet, cfg, cfg.stream_bytes, std::nullopt);
    if (!run.ok) rep.fail(run.error);
    double mb = static_cast<double>(cfg.stream_bytes) / 1e6;
    double fleet_mbps = run.transfer_s > 0 ? mb / run.transfer_s : 0;
    double raw_mbps = raw.seconds > 0 ? mb / raw.seconds : 0;
    rep.figure("image_bytes", static_cast<double>(cfg.stream_bytes), "B");
    rep.figure("chunk_size", cfg.chunk_size, "B");
    rep.figure("gateway_to_device_s", run.transfer_s, "s (first fan-out chunk -> device 'verifying')");
    rep.figure("gateway_to_device_MBps", fleet_mbps, "MB/s");
    rep.figure("raw_stream_s", raw.seconds, "s");
    rep.figure("raw_stream_MBps", raw_mbps, "MB/s");
    rep.figure("campaign_to_power_on_s", run.total_s, "s");
    rep.figure("device_peak_rss_kib", static_cast<double>(run.peak_rss_kib), "KiB");
    if (raw_mbps > 0) rep.target({"throughput / raw", fleet_mbps / raw_mbps, ">=", 0.8});
    fleet.stop_all();
    cleanup(cfg, fleet.dir());
    return rep;
}

}  // namespace fleetcast::bench
