// Scenario 2: one device, a 64 MiB image, gateway -> device throughput against
// a raw Paho publish -> subscribe of the same bytes in the same chunk size.
#include <algorithm>
#include <cstdio>

#include "bench/raw_mqtt.hpp"
#include "bench/single_device.hpp"

namespace fleetcast::bench {

namespace {
double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}
}  // namespace

// This machine is shared: one short transfer is at the mercy of whatever else
// runs. Each side is measured three times, alternating, and the medians compared.
ScenarioReport scenario_stream(const BenchConfig& cfg) {
    ScenarioReport rep("2_single_stream");
    std::vector<double> raw_s, fleet_s, total_s;
    std::uint64_t peak_rss = 0;
    for (int round = 0; round < 3; ++round) {
        BenchFleet fleet(fleet_options(cfg, "stream"));
        auto raw = raw_stream(fleet.uri(), cfg.stream_bytes, cfg.chunk_size, cfg.raw_window, cfg.timeout);
        if (!raw.ok) rep.fail("raw baseline: " + raw.error);
        else raw_s.push_back(raw.seconds);
        auto run = run_single_device(fleet, cfg, cfg.stream_bytes, std::nullopt);
        if (!run.ok) rep.fail(run.error);
        else if (run.transfer_s > 0) {
            fleet_s.push_back(run.transfer_s);
            total_s.push_back(run.total_s);
        }
        peak_rss = std::max(peak_rss, run.peak_rss_kib);
        fleet.stop_all();
        cleanup(cfg, fleet.dir());
    }
    double mb = static_cast<double>(cfg.stream_bytes) / 1e6;
    double fleet_t = median(fleet_s), raw_t = median(raw_s);
    double fleet_mbps = fleet_t > 0 ? mb / fleet_t : 0;
    double raw_mbps = raw_t > 0 ? mb / raw_t : 0;
    auto list = [](const std::vector<double>& v) {
        std::string out;
        char buf[32];
        for (double x : v) {
            std::snprintf(buf, sizeof buf, "%.3f", x);
            out += (out.empty() ? "" : " ") + std::string(buf);
        }
        return out;
    };
    rep.figure("image_bytes", static_cast<double>(cfg.stream_bytes), "B");
    rep.figure("chunk_size", cfg.chunk_size, "B");
    rep.figure("gateway_to_device_s", fleet_t, "s median (first fan-out chunk -> device 'verifying')");
    rep.note("gateway_to_device_runs_s", list(fleet_s));
    rep.figure("gateway_to_device_MBps", fleet_mbps, "MB/s");
    rep.figure("raw_stream_s", raw_t, "s median");
    rep.note("raw_stream_runs_s", list(raw_s));
    rep.figure("raw_stream_MBps", raw_mbps, "MB/s");
    rep.figure("campaign_to_power_on_s", median(total_s), "s median");
    rep.figure("device_peak_rss_kib", static_cast<double>(peak_rss), "KiB");
    if (raw_mbps > 0) rep.target({"throughput / raw", fleet_mbps / raw_mbps, ">=", 0.8});
    return rep;
}

}  // namespace fleetcast::bench
