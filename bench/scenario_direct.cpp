// Scenario 5: the same fleet with every device fetching straight from the
// manager (no gateway cache): the bytes the manager sends, against scenario 1.
#include "bench/direct_fetchers.hpp"
#include "bench/scenarios.hpp"

namespace fleetcast::bench {

ScenarioReport scenario_direct(const BenchConfig& cfg, std::uint64_t fanout_manager_bytes) {
    ScenarioReport rep("5_direct_baseline");
    BenchFleet fleet(fleet_options(cfg, "direct"));
    WireCounter wire(fleet.uri(), "bench-wire-counter");
    fleet.start_manager();
    std::vector<ImageFile> images;
    std::vector<DirectImage> direct;
    for (int m = 0; m < cfg.models; ++m) {
        auto img = fleet.make_image(model_name(m), "main", "2.0", cfg.image_bytes);
        if (auto st = fleet.add_firmware(img, cfg.chunk_size); !st) {
            rep.fail(st.error().str());
            return rep;
        }
        images.push_back(img);
        direct.push_back({img.fw_id, img.chunk_count});
    }
    auto r = run_direct_fetchers(fleet.uri(), cfg.devices, direct, cfg.timeout);
    if (!r.ok) rep.fail(r.error);
    auto sent = wire.manager_to_gateway();
    rep.figure("devices", cfg.devices);
    rep.figure("sum_image_bytes", static_cast<double>(image_bytes(images)), "B");
    rep.figure("devices_complete", static_cast<double>(r.devices_complete));
    rep.figure("manager_bytes_direct", static_cast<double>(sent.bytes), "B (observed)");
    rep.figure("chunks_received_by_direct_devices", static_cast<double>(r.chunks_received),
               "chunks (the bench's own clients; the counting subscriber may lose some to the broker's queue limit)");
    rep.figure("direct_s", r.seconds, "s");
    rep.figure("manager_bytes_with_gateway", static_cast<double>(fanout_manager_bytes), "B (scenario 1)");
    if (fanout_manager_bytes > 0)
        rep.figure("bandwidth_saved_ratio", static_cast<double>(sent.bytes) / static_cast<double>(fanout_manager_bytes),
                   "x (direct / via gateway)");
    fleet.stop_all();
    cleanup(cfg, fleet.dir());
    return rep;
}

}  // namespace fleetcast::bench
