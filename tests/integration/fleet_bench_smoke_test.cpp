// The CI version of bench/fleet_bench scenario 1: the same fleet code, small
// (50 devices, 1 MiB), correctness only (no timing assertions): every device
// is updated, each image crossed the manager -> gateway link once (payload +
// chunk headers, nothing more), and was published once on its model's topic.
#include <gtest/gtest.h>

#include "bench/scenarios.hpp"
#include "common/chunk_codec.hpp"
#include "common/topics.hpp"

using namespace fleetcast;
using namespace fleetcast::bench;

TEST(FleetBenchSmoke, FiftyDevicesEachGetTheImageAndLinkBytesMatch) {
    char tmpl[] = "/tmp/fleetcast-smoke-XXXXXX";
    BenchConfig cfg;
    cfg.state_root = mkdtemp(tmpl);
    cfg.timeout = std::chrono::seconds(120);
    FanoutRun run;
    {
        BenchFleet fleet(fleet_options(cfg, "smoke"));
        run = run_fleet_fanout(fleet, cfg, 50, 2, 1 << 20);
        fleet.stop_all();
    }
    EXPECT_TRUE(run.ok) << run.error;
    EXPECT_EQ(run.power_ons, 50u);
    EXPECT_EQ(run.completed, 50u);
    ASSERT_EQ(run.images.size(), 2u);

    EXPECT_EQ(run.manager_to_gateway.bytes, chunk_message_bytes(run.images));
    for (const auto& img : run.images) {
        auto up = run.per_topic[*topics::gw_chunk("gw1", img.fw_id)];
        EXPECT_EQ(up.messages, img.chunk_count) << img.fw_id;
        EXPECT_EQ(up.bytes, img.size + std::uint64_t{img.chunk_count} * kChunkHeaderSize) << img.fw_id;
        auto fan = run.per_topic[*topics::site_model_chunk("gw1", img.model, img.fw_id)];
        EXPECT_EQ(fan.messages, img.chunk_count) << "fan-out published once per model: " << img.model;
    }
    // The broker delivered at least one copy of its image to each device (kernel TCP counters).
    EXPECT_GE(run.device_connections, 50u);
    EXPECT_GE(run.device_tcp_bytes, 25 * chunk_message_bytes(run.images));
    if (!::testing::Test::HasFailure()) std::filesystem::remove_all(cfg.state_root);
    else std::fprintf(stderr, "smoke state kept in %s\n", cfg.state_root.c_str());
}
