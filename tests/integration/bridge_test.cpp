// Two sites, each with its own mosquitto bridged to the central broker the
// manager uses (broker-config/central.conf, scripts/site-broker). Only the
// gateways' own topics cross the bridges; device traffic stays on site (R26).
#include <gtest/gtest.h>

#include "common/chunk_codec.hpp"
#include "common/messages.hpp"
#include "common/topics.hpp"
#include "tests/integration/fleet.hpp"
#include "tests/support/observer.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;

TEST(Bridge, TwoSiteCampaignCrossesEachBridgeOncePerImageAndNoDeviceTrafficReachesCentral) {
    Fleet fleet("central.conf");
    Observer central(fleet.uri(), "central-observer");
    central.subscribe("fleetcast/v1/#");

    fleet.start_manager();
    for (std::string gw : {"site1", "site2"}) {
        auto& site = fleet.start_site_broker(gw);
        fleet.start_gateway(gw, site.uri());
    }
    fleet.start_devices("site1", "A123", 4, 1, {"main=1.0"}, fleet.gateway_broker_uri("site1"));
    fleet.start_devices("site2", "A123", 4, 101, {"main=1.0"}, fleet.gateway_broker_uri("site2"));
    auto img = fleet.make_image("A123", "main", "2.0", 700 * 1024 + 9);
    ASSERT_NO_FATAL_FAILURE(fleet.add_firmware(img));
    ASSERT_TRUE(fleet.wait_registered(8, 60s)) << "devices behind the bridges did not register";

    auto created = fleet.cli({"campaign", "create", "--all"});
    ASSERT_EQ(created.exit_code, 0) << created.output;
    auto campaign = created.output.substr(0, created.output.find('\n'));
    auto done = fleet.cli({"results", campaign, "--wait-complete", "120"}, 150s);
    EXPECT_EQ(done.exit_code, 0) << done.output;

    auto stats = central.stats();
    const auto chunks = chunk_count_for(img.size, kDefaultChunkSize);
    for (std::string gw : {"site1", "site2"}) {
        // Each site's gateway fetched the image once over its bridge...
        auto up = stats[*topics::gw_chunk(gw, img.fw_id)];
        EXPECT_EQ(up.messages, chunks) << gw;
        EXPECT_EQ(up.bytes, img.size + chunks * kChunkHeaderSize) << gw;
        // ...and its state and reports reached the central broker through it.
        EXPECT_GT(stats[*topics::gw_report(gw)].messages, 0u) << gw;
        EXPECT_GT(stats[*topics::gw_state(gw)].messages, 0u) << gw;
    }
    // Nothing of the sites' device traffic (fan-out, commands, events, device state) reached central.
    for (const auto& [topic, s] : stats)
        EXPECT_NE(topic.rfind("fleetcast/v1/site/", 0), 0u)
            << topic << " crossed a bridge (" << s.messages << " messages)";
}
