// Scenario 3: peak RSS of the real device agent receiving a 64 MiB and a 1 MiB
// image; memory must not grow with the image size.
#include "bench/single_device.hpp"

namespace fleetcast::bench {

ScenarioReport scenario_memory(const BenchConfig& cfg) {
    ScenarioReport rep("3_device_memory");
    SingleRun big, small;
    {
        BenchFleet fleet(fleet_options(cfg, "memory-big"));
        big = run_single_device(fleet, cfg, cfg.stream_bytes, std::nullopt);
        fleet.stop_all();
        cleanup(cfg, fleet.dir());
    }
    {
        BenchFleet fleet(fleet_options(cfg, "memory-small"));
        small = run_single_device(fleet, cfg, cfg.small_bytes, std::nullopt);
        fleet.stop_all();
        cleanup(cfg, fleet.dir());
    }
    if (!big.ok) rep.fail("big image: " + big.error);
    if (!small.ok) rep.fail("small image: " + small.error);
    rep.figure("big_image_bytes", static_cast<double>(cfg.stream_bytes), "B");
    rep.figure("small_image_bytes", static_cast<double>(cfg.small_bytes), "B");
    rep.figure("peak_rss_big_kib", static_cast<double>(big.peak_rss_kib), "KiB (VmHWM)");
    rep.figure("peak_rss_small_kib", static_cast<double>(small.peak_rss_kib), "KiB (VmHWM)");
    double diff_mib = (static_cast<double>(big.peak_rss_kib) - static_cast<double>(small.peak_rss_kib)) / 1024.0;
    rep.figure("difference_mib", diff_mib, "MiB");
    rep.target({"peak RSS difference (MiB)", diff_mib, "<", 4});
    return rep;
}

}  // namespace fleetcast::bench
