// The operator's campaign_pause, campaign_resume and campaign_cancel at the
// manager (issue 16): stored first, sent to every gateway of the campaign,
// confirmed by the gateways' campaign_ack, sent again to a gateway that comes
// back without having confirmed it; a cancel clears the retained schedules.
#include "common/operator_campaigns.hpp"
#include "tests/manager/manager_fixture.hpp"

namespace fleetcast::manager::testing {
namespace {

class CampaignControlTest : public ManagerTest {
   protected:
    void SetUp() override {
        ManagerTest::SetUp();
        add_firmware("A123", "main", "2.0");
        device_seen("gw1", "A123-000001", "A123", {{"main", "1.0"}});
        device_seen("gw1", "A123-000002", "A123", {{"main", "1.0"}});
        device_seen("gw2", "A123-000003", "A123", {{"main", "1.0"}});
        online("gw1", true);
        online("gw2", false);
        create_campaign(R"({"all":true,"campaign":"c-1"})");
    }
    void online(const std::string& gw, bool up) {
        deliver(*topics::gw_state(gw), encode(ProcessState{"gateway", gw, up, clock.now(), {}}));
    }
    std::vector<GwCampaignCmd> campaign_commands(const std::string& gw) {
        std::vector<GwCampaignCmd> out;
        for (const auto& p : transport.on_topic(*topics::gw_cmd(gw)))
            if (auto c = decode_gateway_command(p.payload))
                if (auto* cc = std::get_if<GwCampaignCmd>(&*c)) out.push_back(*cc);
        return out;
    }
    void ack(const std::string& gw, CampaignAction action, const std::string& request_id) {
        deliver(*topics::gw_report(gw), encode(CampaignAckReport{"c-1", action, request_id, 2}));
    }
    CampaignControlView listed() {
        auto r = request("campaign_list", R"({"campaign":"c-1"})");
        EXPECT_TRUE(r.ok) << r.error;
        const cJSON* item = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.data.get(), "campaigns"), 0);
        EXPECT_NE(item, nullptr);
        auto v = campaign_control_view_from_json(cJSON_GetObjectItemCaseSensitive(item, "control"));
        EXPECT_TRUE(v) << v.error().str();
        return v ? *v : CampaignControlView{};
    }
};

TEST_F(CampaignControlTest, PauseIsStoredSentToEveryGatewayAndConfirmedOnlyByItsRequestId) {
    auto r = request("campaign_pause", R"({"campaign":"c-1","reason":"field reports"})");
    ASSERT_TRUE(r.ok) << r.error;
    auto v = campaign_control_view_from_json(r.data.get());
    ASSERT_TRUE(v) << v.error().str();
    EXPECT_EQ(v->state, "paused");
    EXPECT_EQ(v->reason, "field reports");
    EXPECT_EQ(v->unconfirmed_online(), (std::vector<std::string>{"gw1"}));
    EXPECT_EQ(v->unconfirmed_offline(), (std::vector<std::string>{"gw2"}));
    ASSERT_EQ(campaign_commands("gw1").size(), 1u);
    EXPECT_EQ(campaign_commands("gw1")[0].action, CampaignAction::Pause);
    EXPECT_EQ(campaign_commands("gw1")[0].request_id, r.req_id);
    ASSERT_EQ(campaign_commands("gw2").size(), 1u) << "an offline gateway's persistent session may queue it";

    ack("gw1", CampaignAction::Pause, "someone-else");
    EXPECT_EQ(listed().unconfirmed_online().size(), 1u) << "another request id confirms nothing";
    ack("gw1", CampaignAction::Pause, r.req_id);
    EXPECT_TRUE(listed().unconfirmed_online().empty());

    // Durable: gw2 gets it again when it comes back, until it confirms.
    mgr.reset();
    open_manager();
    online("gw2", true);
    EXPECT_EQ(campaign_commands("gw2").size(), 2u);
    EXPECT_EQ(campaign_commands("gw1").size(), 1u) << "a gateway that confirmed is not sent it again";
    ack("gw2", CampaignAction::Pause, r.req_id);
    online("gw2", true);
    EXPECT_EQ(campaign_commands("gw2").size(), 2u);

    auto results = request("results", R"({"campaign":"c-1"})");
    EXPECT_EQ(field(results.data.get(), "status"), "paused");
    EXPECT_EQ(field(results.data.get(), "reason"), "field reports");
    EXPECT_FALSE(request("campaign_resume", R"({"campaign":"nope"})").ok);
    auto again = request("campaign_pause", R"({"campaign":"c-1"})");
    ASSERT_TRUE(again.ok) << again.error;
    EXPECT_EQ(campaign_commands("gw1").size(), 1u) << "already paused: nothing sent";
    auto resumed = request("campaign_resume", R"({"campaign":"c-1"})");
    ASSERT_TRUE(resumed.ok) << resumed.error;
    EXPECT_EQ(listed().state, "running");
    EXPECT_EQ(listed().reason, "");
    EXPECT_EQ(campaign_commands("gw1").back().action, CampaignAction::Resume);
    auto not_paused = request("campaign_resume", R"({"campaign":"c-1"})");
    EXPECT_FALSE(not_paused.ok);
    EXPECT_EQ(not_paused.code, "not_paused");
}

TEST_F(CampaignControlTest, CancelClearsTheRetainedSchedulesAndNothingRestoresThem) {
    auto r = request("campaign_cancel", R"({"campaign":"c-1"})");
    ASSERT_TRUE(r.ok) << r.error;
    for (const char* gw : {"gw1", "gw2"}) {
        auto topic = *topics::gw_schedule(gw, "c-1");
        auto sent = transport.on_topic(topic);
        ASSERT_FALSE(sent.empty()) << gw;
        EXPECT_TRUE(sent.back().payload.empty()) << gw << ": the retained schedule is cleared";
        EXPECT_TRUE(sent.back().retained);
    }
    // A stale copy seen on the broker is cleared again, not restored.
    transport.clear();
    auto topic = *topics::gw_schedule("gw1", "c-1");
    deliver(topic, "{\"type\":\"schedule\"}");
    auto sent = transport.on_topic(topic);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_TRUE(sent[0].payload.empty());
    // A restart republishes no schedule of a canceled campaign.
    transport.clear();
    mgr.reset();
    open_manager();
    EXPECT_TRUE(transport.on_topic(topic).empty());
    // Jobs end CANCELED as the gateways report them; the campaign stays canceled.
    for (const char* d : {"A123-000001", "A123-000002"}) job("gw1", "c-1", d, JobState::Canceled);
    job("gw2", "c-1", "A123-000003", JobState::Canceled);
    EXPECT_EQ(listed().state, "canceled");
    EXPECT_FALSE(request("campaign_pause", R"({"campaign":"c-1"})").ok);
    EXPECT_FALSE(request("campaign_resume", R"({"campaign":"c-1"})").ok);
}

TEST_F(CampaignControlTest, AnEndedCampaignCannotBeCanceled) {
    for (const char* d : {"A123-000001", "A123-000002"}) job("gw1", "c-1", d, JobState::Completed, 100);
    job("gw2", "c-1", "A123-000003", JobState::Completed, 100);
    auto r = request("campaign_cancel", R"({"campaign":"c-1"})");
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.code, "too_late");
    EXPECT_TRUE(campaign_commands("gw1").empty());
}

}  // namespace
}  // namespace fleetcast::manager::testing
