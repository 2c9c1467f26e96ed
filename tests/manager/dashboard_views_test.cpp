// The read-only views the web dashboard asks for: campaign_list, device_detail, gateway_table.
#include "tests/manager/manager_fixture.hpp"

namespace fleetcast::manager::testing {
namespace {

class DashboardViewsTest : public ManagerTest {
   protected:
    void SetUp() override {
        ManagerTest::SetUp();
        add_firmware("A123", "main", "2.0");
        device_seen("gw1", "A123-000001", "A123", {{"main", "1.0"}});
        device_seen("gw1", "A123-000002", "A123", {{"main", "1.0"}});
        device_seen("gw2", "A123-000003", "A123", {{"main", "1.0"}});
        deliver(*topics::gw_state("gw1"), encode(ProcessState{"gateway", "gw1", true, clock.now(), {}}));
    }
    std::uint64_t count(const cJSON* obj, const char* key) {
        auto n = json::get_uint(obj, key, 1u << 30);
        return n ? *n : 999;
    }
};

TEST_F(DashboardViewsTest, CampaignListShowsNewestFirstWithCountsPerResultAndGateway) {
    create_campaign(R"({"devices":["A123-000001"],"campaign":"c-old"})");
    clock.advance(std::chrono::seconds(5));
    create_campaign(R"({"all":true,"campaign":"c-new"})");
    job("gw1", "c-new", "A123-000001", JobState::Completed, 100, {{"main", "2.0"}});

    auto r = request("campaign_list");
    ASSERT_TRUE(r.ok) << r.error;
    const cJSON* list = cJSON_GetObjectItemCaseSensitive(r.data.get(), "campaigns");
    ASSERT_EQ(cJSON_GetArraySize(list), 2);
    const cJSON* newest = cJSON_GetArrayItem(list, 0);
    EXPECT_EQ(field(newest, "campaign"), "c-new");
    EXPECT_EQ(field(newest, "state"), "active");
    const cJSON* summary = cJSON_GetObjectItemCaseSensitive(newest, "summary");
    EXPECT_EQ(count(summary, "total"), 3u);
    EXPECT_EQ(count(summary, "UPDATING COMPLETED"), 1u);
    EXPECT_EQ(count(summary, "WAITING FOR RE-UPDATING"), 2u);
    const cJSON* gws = cJSON_GetObjectItemCaseSensitive(newest, "gateways");
    EXPECT_EQ(count(gws, "gw1"), 2u);
    EXPECT_EQ(count(gws, "gw2"), 1u);
    EXPECT_EQ(field(cJSON_GetArrayItem(list, 1), "campaign"), "c-old");

    auto limited = request("campaign_list", R"({"limit":1})");
    ASSERT_TRUE(limited.ok) << limited.error;
    EXPECT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(limited.data.get(), "campaigns")), 1);
}

TEST_F(DashboardViewsTest, DeviceDetailShowsTheDefermentTheDeviceReported) {
    auto none = request("device_detail", R"({"device":"A123-000002"})");
    ASSERT_TRUE(none.ok) << none.error;
    EXPECT_EQ(cJSON_GetObjectItemCaseSensitive(none.data.get(), "deferment"), nullptr);
    DeviceState s{"A123-000002",
                  "gw1",
                  "A123",
                  DeviceStatus::Idle,
                  {{"main", "1.0"}},
                  clock.now(),
                  "",
                  "",
                  DefermentParam{Millis(20 * 60 * 1000), clock.now()}};
    deliver(*topics::gw_report("gw1"), encode(DeviceSeenReport{s}));
    auto r = request("device_detail", R"({"device":"A123-000002"})");
    ASSERT_TRUE(r.ok) << r.error;
    const cJSON* d = cJSON_GetObjectItemCaseSensitive(r.data.get(), "deferment");
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(count(d, "value_ms"), 1200000u);
    EXPECT_EQ(field(d, "set_at"), format_time(clock.now()));
}

TEST_F(DashboardViewsTest, DeviceDetailHasStatusAndTheHistoryOfEveryCampaign) {
    create_campaign(R"({"devices":["A123-000001"],"campaign":"c-1"})");
    job("gw1", "c-1", "A123-000001", JobState::Failed, 40, {}, "checksum");
    clock.advance(std::chrono::seconds(5));
    create_campaign(R"({"devices":["A123-000001"],"campaign":"c-2"})");
    job("gw1", "c-2", "A123-000001", JobState::Transferring, 60);

    auto r = request("device_detail", R"({"device":"A123-000001"})");
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(field(r.data.get(), "gateway"), "gw1");
    EXPECT_EQ(field(r.data.get(), "status"), "idle");
    const cJSON* history = cJSON_GetObjectItemCaseSensitive(r.data.get(), "history");
    ASSERT_EQ(cJSON_GetArraySize(history), 2);
    const cJSON* now = cJSON_GetArrayItem(history, 0);
    EXPECT_EQ(field(now, "campaign"), "c-2");
    EXPECT_EQ(field(now, "state"), "transferring");
    EXPECT_EQ(count(now, "progress"), 60u);
    EXPECT_EQ(field(now, "necessity"), "YES");
    const cJSON* before = cJSON_GetArrayItem(history, 1);
    EXPECT_EQ(field(before, "result"), "ERROR");
    EXPECT_EQ(field(before, "detail"), "checksum");
    EXPECT_EQ(field(before, "necessity"), "NO");
}

TEST_F(DashboardViewsTest, GatewayTableListsOnlyThatGatewaysTargetsOfActiveCampaigns) {
    create_campaign(R"({"all":true,"campaign":"c-all","update_at":"2026-11-25T22:00:00.000Z"})");
    job("gw1", "c-all", "A123-000002", JobState::Completed, 100, {{"main", "2.0"}});

    auto r = request("gateway_table", R"({"gateway":"gw1"})");
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(field(r.data.get(), "status"), "online");
    std::map<std::string, const cJSON*> by_device;
    const cJSON* row = nullptr;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(r.data.get(), "rows")) {
        by_device[field(row, "device")] = row;
    }
    ASSERT_EQ(by_device.size(), 2u);  // A123-000003 is behind gw2
    EXPECT_EQ(field(by_device.at("A123-000001"), "necessity"), "YES");
    EXPECT_EQ(field(by_device.at("A123-000001"), "update_at"), "2026-11-25T22:00:00.000Z");
    EXPECT_EQ(field(by_device.at("A123-000002"), "necessity"), "NO");
}

TEST_F(DashboardViewsTest, UnknownOrMalformedIdsGetClearErrors) {
    auto unknown = request("device_detail", R"({"device":"Z999-000001"})");
    EXPECT_FALSE(unknown.ok);
    EXPECT_NE(unknown.error.find("unknown device Z999-000001"), std::string::npos) << unknown.error;
    auto wildcard = request("gateway_table", R"({"gateway":"gw/#"})");
    EXPECT_FALSE(wildcard.ok);
    auto no_gw = request("gateway_table", R"({"gateway":"gw9"})");
    EXPECT_FALSE(no_gw.ok);
    EXPECT_NE(no_gw.error.find("unknown gateway gw9"), std::string::npos) << no_gw.error;
    auto bad_limit = request("campaign_list", R"({"limit":"ten"})");
    EXPECT_FALSE(bad_limit.ok);
    auto op = request("device_reboot", R"({"device":"A123-000001"})");
    EXPECT_FALSE(op.ok);
    EXPECT_NE(op.error.find("unknown op 'device_reboot'"), std::string::npos) << op.error;
}

}  // namespace
}  // namespace fleetcast::manager::testing
