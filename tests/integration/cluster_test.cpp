// The fleet on real MQTT broker clusters (issue 18, R26): RabbitMQ nodes
// joined into one cluster, Aedes processes sharing Redis. The manager, the
// gateway and the devices each connect to a different node first; the
// campaign must complete with the same traffic as on one broker: each image
// crosses the manager->gateway link once and is fanned out once per model.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <thread>

#include "common/chunk_codec.hpp"
#include "common/messages.hpp"
#include "common/topics.hpp"
#include "tests/integration/fleet.hpp"
#include "tests/support/broker_cluster.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/observer.hpp"
#include "tests/support/temp_dir.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;

namespace {

std::size_t completed_devices(Fleet& fleet, const std::string& campaign) {
    auto data = fleet.cli_json({"results", campaign});
    std::size_t n = 0;
    const cJSON* row = nullptr;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(data.get(), "devices")) n +=
        json::get_optional_string(row, "state").value_or("") == "completed";
    return n;
}

// Two models, three devices each, behind one gateway; manager on node 0,
// gateway on node 1, devices on node 2 (each with the others as failover).
void campaign_on_cluster(BrokerCluster& cluster) {
    Fleet fleet(CentralBrokerUris{cluster.uris(0)});
    Observer observer(cluster.uri(0), "cluster-observer");
    observer.subscribe("fleetcast/v1/#");

    fleet.start_manager();
    fleet.start_gateway("site1", cluster.uris(1 % cluster.nodes()));
    const auto device_uris = cluster.uris(2 % cluster.nodes());
    fleet.start_devices("site1", "A123", 3, 1, {"main=1.0"}, device_uris);
    fleet.start_devices("site1", "B7", 3, 101, {"main=1.0"}, device_uris);
    auto a = fleet.make_image("A123", "main", "2.0", 300 * 1024 + 11);
    auto b = fleet.make_image("B7", "main", "2.0", 200 * 1024 + 5);
    ASSERT_NO_FATAL_FAILURE(fleet.add_firmware(a));
    ASSERT_NO_FATAL_FAILURE(fleet.add_firmware(b));
    ASSERT_TRUE(fleet.wait_registered(6, 60s)) << "devices on another node did not register";

    auto created = fleet.cli({"campaign", "create", "--all"});
    ASSERT_EQ(created.exit_code, 0) << created.output;
    auto campaign = created.output.substr(0, created.output.find('\n'));
    auto done = fleet.cli({"results", campaign, "--wait-complete", "120"}, 150s);
    ASSERT_EQ(done.exit_code, 0) << done.output;

    EXPECT_EQ(completed_devices(fleet, campaign), 6u) << done.output;

    auto stats = observer.stats();
    for (const auto* img : {&a, &b}) {
        const auto chunks = chunk_count_for(img->size, kDefaultChunkSize);
        // Once over the manager->gateway link...
        EXPECT_EQ(stats[*topics::gw_chunk("site1", img->fw_id)].messages, chunks) << img->model;
        // ...and fanned out once for its model.
        EXPECT_EQ(stats[*topics::site_model_chunk("site1", img->model, img->fw_id)].messages, chunks) << img->model;
    }
}

}  // namespace

TEST(Cluster, RabbitMqThreeNodesRunACampaignWithClientsOnDifferentNodes) {
    TempDir dir;
    auto cluster = BrokerCluster::start(BrokerCluster::Kind::RabbitMq, dir.path / "rabbitmq", 3);
    ASSERT_TRUE(cluster) << cluster.error().str();
    campaign_on_cluster(*cluster);
    if (::testing::Test::HasFailure()) std::fprintf(stderr, "%s\n", cluster->status().c_str());
}

TEST(Cluster, AedesOverRedisRunsACampaign) {
    TempDir dir;
    auto cluster = BrokerCluster::start(BrokerCluster::Kind::Aedes, dir.path / "aedes", 3);
    ASSERT_TRUE(cluster) << cluster.error().str();
    campaign_on_cluster(*cluster);
    if (::testing::Test::HasFailure()) std::fprintf(stderr, "%s\n", cluster->status().c_str());
}

namespace {

// kill -9 of the node the gateway is connected to, once half of the image's
// fan-out has gone out; the gateway moves to the next node and the campaign
// completes. Manager, devices and the observer stay on node 0.
void gateway_node_killed_mid_campaign(BrokerCluster& cluster) {
    Fleet fleet(CentralBrokerUris{cluster.uris(0)});
    Observer observer(cluster.uri(0), "failover-observer");
    observer.subscribe("fleetcast/v1/#");
    fleet.start_manager();
    fleet.start_gateway("site1", cluster.uris(1));
    fleet.start_devices("site1", "A123", 4, 1, {"main=1.0"}, cluster.uris(0));
    auto img = fleet.make_image("A123", "main", "2.0", 4 * 1024 * 1024 + 3);
    ASSERT_NO_FATAL_FAILURE(fleet.add_firmware(img));
    ASSERT_TRUE(fleet.wait_registered(4, 60s));

    auto created = fleet.cli({"campaign", "create", "--all"});
    ASSERT_EQ(created.exit_code, 0) << created.output;
    auto campaign = created.output.substr(0, created.output.find('\n'));
    const auto chunks = chunk_count_for(img.size, kDefaultChunkSize);
    const auto fanout_topic = *topics::site_model_chunk("site1", img.model, img.fw_id);
    ASSERT_TRUE(observer.wait_for(
        [&](const auto& s) {
            auto it = s.find(fanout_topic);
            return it != s.end() && it->second.messages >= chunks / 2;
        },
        120s))
        << "the fan-out did not reach 50 %";
    const auto killed_at = std::chrono::steady_clock::now();
    ASSERT_TRUE(cluster.kill(1)) << "kill of node 1";

    auto done = fleet.cli({"results", campaign, "--wait-complete", "150"}, 170s);
    EXPECT_EQ(done.exit_code, 0) << done.output;
    EXPECT_EQ(completed_devices(fleet, campaign), 4u) << done.output;
    const auto recovered_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();

    // What the node loss cost: fan-out and repair bytes beyond one image per
    // model, and image bytes fetched from the manager again.
    auto stats = observer.stats();
    std::uint64_t site_bytes = 0, repair_bytes = 0;
    for (const auto& [topic, s] : stats) {
        if (topic == fanout_topic) site_bytes += s.bytes;
        if (topic.find("/dev/") != std::string::npos && topic.size() > 6 &&
            topic.compare(topic.size() - 6, 6, "/chunk") == 0)
            repair_bytes += s.bytes;
    }
    const auto up = stats[*topics::gw_chunk("site1", img.fw_id)];
    const std::uint64_t image_wire = img.size + chunks * kChunkHeaderSize;
    std::fprintf(stderr,
                 "---- %s: node of the gateway killed at 50 %% of the fan-out; campaign complete %.1f s later; "
                 "manager->gateway %llu bytes (image %llu), fan-out %llu bytes, repairs %llu bytes: re-sent %lld "
                 "bytes\n",
                 BrokerCluster::name(cluster.kind()), recovered_s, static_cast<unsigned long long>(up.bytes),
                 static_cast<unsigned long long>(image_wire), static_cast<unsigned long long>(site_bytes),
                 static_cast<unsigned long long>(repair_bytes),
                 static_cast<long long>(up.bytes + site_bytes + repair_bytes) - 2 * static_cast<long long>(image_wire));
    ::testing::Test::RecordProperty(
        "resent_bytes", std::to_string(static_cast<long long>(up.bytes + site_bytes + repair_bytes - 2 * image_wire)));
    // The gateway had the whole image cached before the kill: it is not fetched again.
    EXPECT_EQ(up.messages, chunks);
    EXPECT_GE(up.bytes, image_wire);
}

}  // namespace

TEST(Failover, BrokerNodeKilledMidCampaignTheFleetMovesAndCompletes) {
    TempDir dir;
    auto cluster = BrokerCluster::start(BrokerCluster::Kind::RabbitMq, dir.path / "rabbitmq", 3);
    ASSERT_TRUE(cluster) << cluster.error().str();
    gateway_node_killed_mid_campaign(*cluster);
    if (::testing::Test::HasFailure()) std::fprintf(stderr, "%s\n", cluster->status().c_str());
}

namespace {

// Polls the program's log until it contains `text`; false when the deadline
// passes or the program ended without printing it.
bool wait_for_output(ChildProcess& program, const std::string& text, std::chrono::seconds timeout) {
    bool found = false;
    eventually(
        [&] {
            const bool ended = !program.running();
            found = program.log_tail(1 << 20).find(text) != std::string::npos;
            return found || ended;
        },
        timeout);
    return found;
}

}  // namespace

// The operator's CLI and the web dashboard are given the cluster's node list
// (the CLI its MQTT URIs, the page its WebSocket URLs: rabbitmq_web_mqtt on
// every node); when the node the manager, the CLI and the page connect to
// first dies (kill -9), all three move to the next one: the CLI's requests
// are answered there, and the page, its status line naming node 1, shows a
// campaign created after the kill reach 100 %.
TEST(Failover, CliAndDashboardFollowTheManagerAcrossNodes) {
    TempDir dir;
    auto cluster = BrokerCluster::start(BrokerCluster::Kind::RabbitMq, dir.path / "rabbitmq", 3, /*websockets=*/true);
    ASSERT_TRUE(cluster) << cluster.error().str();
    Fleet fleet(CentralBrokerUris{cluster->uris(0)});
    fleet.start_manager();
    fleet.start_gateway("site1", cluster->uris(1));
    fleet.start_devices("site1", "A123", 2, 1, {"main=1.0"}, cluster->uris(1));
    ASSERT_TRUE(fleet.wait_registered(2, 60s));

    const std::string campaign = "c-after-failover";
#if defined(FLEETCAST_NODE) && defined(FLEETCAST_DASHBOARD_WWW)
    ChildProcess page({FLEETCAST_NODE, std::string(FLEETCAST_SOURCE_DIR) + "/tests/dashboard/follow_brokers.mjs",
                       "--source", FLEETCAST_SOURCE_DIR, "--www", FLEETCAST_DASHBOARD_WWW, "--brokers",
                       cluster->ws_urls(0), "--gateway", "site1", "--campaign", campaign, "--timeout-s", "150"},
                      dir.path / "dashboard.log");
    // The page is on node 0 and shows the manager's views before the kill.
    ASSERT_TRUE(wait_for_output(page, "on " + cluster->ws_url(0) + ": the page shows gateway site1", 60s))
        << page.log_tail();
#else
    std::fprintf(stderr, "---- the dashboard is not built (no node or dashboard/node_modules): CLI only\n");
#endif

    ASSERT_TRUE(cluster->kill(0));
    // Same --broker list: node 0 refuses, the CLI connects to node 1, where the manager moved too.
    ASSERT_TRUE(fleet.wait_registered(2, 60s)) << "the CLI got no answer after node 0 died";
    auto listed = fleet.cli({"devices"});
    EXPECT_EQ(listed.exit_code, 0) << listed.output;
    EXPECT_NE(listed.output.find("A123-000001"), std::string::npos) << listed.output;
    // Still in charge: a campaign created through node 1 completes.
    auto img = fleet.make_image("A123", "main", "2.0", 128 * 1024 + 1);
    ASSERT_NO_FATAL_FAILURE(fleet.add_firmware(img));
    auto created = fleet.cli({"campaign", "create", "--all", "--campaign", campaign});
    ASSERT_EQ(created.exit_code, 0) << created.output;
    auto done = fleet.cli({"results", campaign, "--wait-complete", "90"}, 110s);
    EXPECT_EQ(done.exit_code, 0) << done.output;
    EXPECT_EQ(completed_devices(fleet, campaign), 2u);

#if defined(FLEETCAST_NODE) && defined(FLEETCAST_DASHBOARD_WWW)
    // The page moved to node 1, the next in its list (node 2 would do too, should
    // an attempt at node 1 fail), and shows the campaign at 100 % there.
    const int status = page.wait_exit(150s);
    const auto out = page.log_tail(1 << 20);
    std::fprintf(stderr, "---- the dashboard (tests/dashboard/follow_brokers.mjs):\n%s\n", out.c_str());
    if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 77) GTEST_SKIP() << out;
    EXPECT_TRUE(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
    EXPECT_TRUE(out.find("moved to " + cluster->ws_url(1)) != std::string::npos ||
                out.find("moved to " + cluster->ws_url(2)) != std::string::npos)
        << out;
#endif
}
