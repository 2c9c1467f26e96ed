#include "tests/manager/manager_fixture.hpp"

namespace fleetcast::manager::testing {
namespace {

TEST_F(ManagerTest, StateSurvivesRestart) {
    auto fw = add_firmware("A123", "main", "2.0", 5000, 1024);
    device_seen("gw1", "A123-000001", "A123", {{"main", "1.0"}});
    device_seen("gw1", "A123-000002", "A123", {{"main", "1.0"}});
    device_seen("gw2", "A123-000003", "A123", {{"main", "1.0"}});
    auto c = create_campaign(R"({"all":true,"campaign":"c-restart"})");
    job("gw1", c, "A123-000001", JobState::Completed, 100, {{"main", "2.0"}});
    job("gw2", c, "A123-000003", JobState::Completed, 100, {{"main", "2.0"}});
    deliver(*topics::gw_fetch("gw1"), encode(FetchRequest{fw.fw_id, {{0, 4}}}));
    mgr->tick();

    // A new Manager on the same directory, with a fresh broker connection.
    transport.clear();
    transport.subscriptions.clear();
    open_manager();

    EXPECT_EQ(transport.subscriptions,
              (std::set<std::string>{topics::manager_request_filter(), topics::gw_fetch_filter(),
                                     topics::gw_report_filter(), topics::gw_state_filter(), topics::gw_probe_filter(),
                                     topics::gw_schedule_all_filter(), topics::manager_state()}));
    auto list = request("firmware_list");
    ASSERT_TRUE(list.ok);
    const cJSON* m = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(list.data.get(), "firmware"), 0);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(field(m, "fw_id"), fw.fw_id);
    EXPECT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(request("device_list").data.get(), "devices")), 3);

    auto r = request("results", R"({"campaign":"c-restart"})");
    ASSERT_TRUE(r.ok) << r.error;
    auto rs = rows(r);
    EXPECT_EQ(field(rs.at("A123-000001"), "result"), "UPDATING COMPLETED");
    EXPECT_EQ(field(rs.at("A123-000002"), "result"), "WAITING FOR RE-UPDATING");
    EXPECT_EQ(mgr->store().transfer("gw1", fw.fw_id)->chunks_sent, 5u);
    EXPECT_EQ(mgr->store().transfer("gw1", fw.fw_id)->bytes_sent, 5000u);

    // What the broker must retain is published again: the manifest, and the
    // schedule of the gateway that still has a running target (not gw2's).
    EXPECT_EQ(transport.on_topic(*topics::fw_manifest(fw.fw_id)).size(), 1u);
    auto gw1 = transport.on_topic(*topics::gw_schedule("gw1", c));
    ASSERT_EQ(gw1.size(), 1u);
    EXPECT_TRUE(gw1[0].retained);
    auto s = decode_schedule(gw1[0].payload);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->devices.size(), 2u);
    EXPECT_TRUE(transport.on_topic(*topics::gw_schedule("gw2", c)).empty());

    // And the campaign goes on where it stopped.
    transport.clear();
    job("gw1", c, "A123-000002", JobState::Completed, 100, {{"main", "2.0"}});
    ASSERT_EQ(transport.on_topic(*topics::gw_schedule("gw1", c)).size(), 1u);
    EXPECT_TRUE(transport.on_topic(*topics::gw_schedule("gw1", c))[0].payload.empty());
    EXPECT_EQ(field(request("results", R"({"campaign":"c-restart"})").data.get(), "state"), "ended");
}

}  // namespace
}  // namespace fleetcast::manager::testing
