#include <set>

#include "manager/campaign_planner.hpp"
#include "tests/manager/manager_fixture.hpp"

namespace fleetcast::manager::testing {
namespace {

std::vector<Published> retained_schedules(const fleetcast::testing::RecordingTransport& t, const std::string& gw,
                                          const std::string& campaign) {
    return t.on_topic(*topics::gw_schedule(gw, campaign));
}

std::map<std::string, std::string> skipped(const OperatorResponse& resp) {
    std::map<std::string, std::string> out;
    const cJSON* s = nullptr;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(resp.data.get(), "skipped")) {
        out[field(s, "device")] = field(s, "reason");
    }
    return out;
}

TEST_F(ManagerTest, CampaignTargetsLatestFirmwarePerComponent) {
    add_firmware("A123", "main", "1.9");
    auto main110 = add_firmware("A123", "main", "1.10");
    add_firmware("A123", "controller", "3.1");
    auto ctl32 = add_firmware("A123", "controller", "3.2");
    auto df = add_firmware("A123", "df", "1.0");
    add_firmware("B77", "main", "9.0");
    device_seen("gw1", "A123-000001", "A123", {{"main", "1.0"}, {"controller", "3.1"}, {"df", "1.0"}});

    auto c = create_campaign(R"({"all":true,"campaign":"c-latest"})");
    ASSERT_EQ(c, "c-latest");
    auto sent = retained_schedules(transport, "gw1", c);
    ASSERT_EQ(sent.size(), 1u);
    auto s = decode_schedule(sent[0].payload);
    ASSERT_TRUE(s) << s.error().str();
    ASSERT_EQ(s->devices.size(), 1u);
    std::set<std::string> fw(s->devices[0].fw_ids.begin(), s->devices[0].fw_ids.end());
    // main 1.10 beats 1.9 (numeric order); controller 3.2; df is already at 1.0.
    EXPECT_EQ(fw, (std::set<std::string>{main110.fw_id, ctl32.fw_id}));
    EXPECT_EQ(s->firmware.size(), 2u);
    EXPECT_FALSE(fw.count(df.fw_id));

    auto r = request("results", R"({"campaign":"c-latest"})");
    ASSERT_TRUE(r.ok) << r.error;
    auto row = rows(r).at("A123-000001");
    auto old = json::get_versions(row, "old");
    auto nu = json::get_versions(row, "new");
    ASSERT_TRUE(old && nu);
    EXPECT_EQ(*old, (Versions{{"main", "1.0"}, {"controller", "3.1"}}));
    EXPECT_EQ(*nu, (Versions{{"main", "1.10"}, {"controller", "3.2"}}));
    EXPECT_EQ(field(row, "result"), "WAITING FOR RE-UPDATING");

    // Named firmware replaces "latest": only main 1.9 for this campaign.
    auto main19 = add_firmware("A123", "main", "1.9");
    auto named = request("campaign_create", R"({"devices":["A123-000001"],"firmware":[")" + main19.fw_id + R"("]})");
    ASSERT_TRUE(named.ok) << named.error;
    auto id = field(named.data.get(), "campaign");
    EXPECT_EQ(id.rfind("c-", 0), 0u);
    EXPECT_EQ(id.size(), std::string("c-20261125-213000-1a2b").size()) << id;
    auto s2 = decode_schedule(retained_schedules(transport, "gw1", id).at(0).payload);
    ASSERT_TRUE(s2);
    EXPECT_EQ(s2->devices.at(0).fw_ids, std::vector<std::string>{main19.fw_id});
}

TEST_F(ManagerTest, CampaignListsUnregisteredAndUpToDateDevices) {
    add_firmware("A123", "main", "2.0");
    device_seen("gw1", "A123-000001", "A123", {{"main", "2.0"}});
    device_seen("gw1", "A123-000002", "A123", {{"main", "1.0"}});
    device_seen("gw1", "Z999-000001", "Z999", {{"main", "1.0"}});

    auto resp = request("campaign_create",
                        R"({"devices":["A123-000001","A123-000002","Z999-000001","A123-000404","A123-000002"]})");
    ASSERT_TRUE(resp.ok) << resp.error;
    EXPECT_EQ(json::get_uint(resp.data.get(), "targets", 100).value(), 1u);
    EXPECT_EQ(skipped(resp), (std::map<std::string, std::string>{{"A123-000001", "UP TO DATE"},
                                                                 {"Z999-000001", "NO MATCHING FIRMWARE"},
                                                                 {"A123-000404", "UNREGISTERED"}}));

    // Nothing to do at all is an error that names the reasons, and stores nothing.
    auto none = request("campaign_create", R"({"devices":["A123-000001","A123-000404"],"campaign":"c-none"})");
    EXPECT_FALSE(none.ok);
    EXPECT_NE(none.error.find("UP TO DATE"), std::string::npos) << none.error;
    EXPECT_FALSE(request("results", R"({"campaign":"c-none"})").ok);
    EXPECT_TRUE(retained_schedules(transport, "gw1", "c-none").empty());
}

TEST_F(ManagerTest, ScheduleIsPublishedRetainedPerGateway) {
    auto fw = add_firmware("A123", "main", "2.0");
    device_seen("gw1", "A123-000001", "A123", {{"main", "1.0"}});
    device_seen("gw1", "A123-000002", "A123", {{"main", "1.0"}});
    device_seen("gw2", "A123-000003", "A123", {{"main", "1.0"}});
    device_seen("gw3", "A123-000004", "A123", {{"main", "2.0"}});
    transport.clear();

    auto c = create_campaign(
        R"({"all":true,"campaign":"c-sites","mode":"push","update_at":"2026-11-26T02:00:00.000Z",
            "transmit_at":"2026-11-26T01:00:00.000Z","expires_at":"2026-11-26T06:00:00Z"})");
    ASSERT_EQ(c, "c-sites");
    std::size_t schedules = 0;
    for (const auto& p : transport.published) {
        auto t = topics::parse_topic(p.topic);
        if (t && t->kind == topics::Kind::GwSchedule) ++schedules;
    }
    EXPECT_EQ(schedules, 2u);
    EXPECT_TRUE(retained_schedules(transport, "gw3", c).empty());

    auto gw1 = retained_schedules(transport, "gw1", c);
    auto gw2 = retained_schedules(transport, "gw2", c);
    ASSERT_EQ(gw1.size(), 1u);
    ASSERT_EQ(gw2.size(), 1u);
    EXPECT_TRUE(gw1[0].retained);
    EXPECT_TRUE(gw2[0].retained);
    auto s1 = decode_schedule(gw1[0].payload);
    auto s2 = decode_schedule(gw2[0].payload);
    ASSERT_TRUE(s1 && s2);
    EXPECT_EQ(s1->devices.size(), 2u);
    ASSERT_EQ(s2->devices.size(), 1u);
    EXPECT_EQ(s2->devices[0].device, "A123-000003");
    EXPECT_EQ(s2->devices[0].model, "A123");
    ASSERT_EQ(s1->firmware.size(), 1u);
    EXPECT_EQ(s1->firmware[0].fw_id, fw.fw_id);
    EXPECT_EQ(s1->firmware[0].sha256, fw.sha256);
    EXPECT_EQ(s1->mode, TransferMode::Push);
    EXPECT_EQ(format_time(s1->update_at), "2026-11-26T02:00:00.000Z");
    ASSERT_TRUE(s1->transmit_at && s1->expires_at);
    EXPECT_EQ(format_time(*s1->transmit_at), "2026-11-26T01:00:00.000Z");
    EXPECT_EQ(format_time(*s1->expires_at), "2026-11-26T06:00:00.000Z");

    // Same id twice is refused and publishes nothing new.
    transport.clear();
    EXPECT_FALSE(request("campaign_create", R"({"all":true,"campaign":"c-sites"})").ok);
    EXPECT_TRUE(retained_schedules(transport, "gw1", c).empty());
}

TEST_F(ManagerTest, CampaignDefaultsToPullModeNow) {
    add_firmware("A123", "main", "2.0");
    device_seen("gw1", "A123-000001", "A123", {{"main", "1.0"}});
    auto c = create_campaign(R"({"devices":["A123-000001"]})");
    auto s = decode_schedule(transport.on_topic(*topics::gw_schedule("gw1", c)).at(0).payload);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->mode, TransferMode::Pull);
    EXPECT_EQ(s->update_at, clock.now());
    EXPECT_FALSE(s->transmit_at);
    // c-YYYYMMDD-HHMMSS-xxxx from the manager's clock.
    EXPECT_EQ(c.substr(0, 18), make_campaign_id(clock.now(), 0).substr(0, 18));
    EXPECT_EQ(c.size(), 22u);
}

TEST_F(ManagerTest, CampaignRejectsBadArguments) {
    add_firmware("A123", "main", "2.0");
    device_seen("gw1", "A123-000001", "A123", {{"main", "1.0"}});
    for (const char* args :
         {R"({})", R"({"all":true,"devices":["A123-000001"]})", R"({"devices":[]})", R"({"all":"yes"})",
          R"({"devices":["A123/1"]})", R"({"all":true,"mode":"shout"})",
          R"({"all":true,"firmware":["0000000000000000"]})", R"({"all":true,"campaign":"c/1"})",
          R"({"all":true,"update_at":"tomorrow"})",
          R"({"all":true,"update_at":"2026-11-26T02:00:00Z","expires_at":"2026-11-26T01:00:00Z"})"}) {
        auto resp = request("campaign_create", args);
        EXPECT_FALSE(resp.ok) << args;
        EXPECT_FALSE(resp.error.empty()) << args;
    }
}

}  // namespace
}  // namespace fleetcast::manager::testing

namespace fleetcast::manager::testing {
namespace {

// A large campaign's results come in pages (the broker refuses packets above
// its limit); the summary always counts every target.
TEST_F(ManagerTest, ResultsArePagedAndTheSummaryCountsEveryTarget) {
    add_firmware("A123", "main", "2.0");
    for (int i = 1; i <= 7; ++i) {
        char id[32];
        std::snprintf(id, sizeof id, "A123-%06d", i);
        device_seen("gw1", id, "A123", {{"main", "1.0"}});
    }
    auto c = create_campaign(R"({"all":true,"campaign":"c-paged"})");
    auto page = request("results", R"({"campaign":"c-paged","offset":5,"limit":3})");
    ASSERT_TRUE(page.ok) << page.error;
    EXPECT_EQ(rows(page).size(), 2u);
    EXPECT_TRUE(rows(page).count("A123-000006"));
    EXPECT_EQ(*json::get_uint(page.data.get(), "total", 100), 7u);
    auto summary = json::get_object(page.data.get(), "summary");
    ASSERT_TRUE(summary);
    EXPECT_EQ(*json::get_uint(*summary, "WAITING FOR RE-UPDATING", 100), 7u);
    auto only_summary = request("results", R"({"campaign":"c-paged","limit":0})");
    ASSERT_TRUE(only_summary.ok);
    EXPECT_TRUE(rows(only_summary).empty());
    EXPECT_EQ(*json::get_uint(only_summary.data.get(), "pending", 100), 7u);
    EXPECT_FALSE(request("results", R"({"campaign":"c-paged","limit":5001})").ok);
}

// --page-limit caps every page (the client asks on); `device` finds that
// target's row on any page, by its key (the CLI's defer/cancel/suspend/resume).
TEST_F(ManagerTest, PagesStopAtThePageLimitAndOneDevicesRowIsFoundOnAnyPage) {
    page_limit = 3;
    open_manager();
    add_firmware("A123", "main", "2.0");
    for (int i = 1; i <= 7; ++i) {
        char id[32];
        std::snprintf(id, sizeof id, "A123-%06d", i);
        device_seen("gw1", id, "A123", {{"main", "1.0"}});
    }
    create_campaign(R"({"all":true,"campaign":"c-paged"})");
    auto first = request("results", R"({"campaign":"c-paged"})");
    ASSERT_TRUE(first.ok) << first.error;
    EXPECT_EQ(rows(first).size(), 3u);
    EXPECT_EQ(*json::get_uint(first.data.get(), "total", 100), 7u);
    auto targets = request("targets", R"({"campaign":"c-paged","offset":3})");
    ASSERT_TRUE(targets.ok) << targets.error;
    EXPECT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(targets.data.get(), "devices")), 3);

    auto one = request("results", R"({"campaign":"c-paged","device":"A123-000007"})");
    ASSERT_TRUE(one.ok) << one.error;
    ASSERT_EQ(rows(one).size(), 1u);
    EXPECT_TRUE(rows(one).count("A123-000007"));
    EXPECT_EQ(*json::get_uint(one.data.get(), "total", 100), 7u);  // the summary still counts every target
    auto stranger = request("results", R"({"campaign":"c-paged","device":"A123-000099"})");
    EXPECT_FALSE(stranger.ok);
    EXPECT_EQ(stranger.code, "not_found");
}

}  // namespace
}  // namespace fleetcast::manager::testing
