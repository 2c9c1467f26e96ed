// Failure thresholds at the manager (issue 16 item 3): job reports that cross
// a campaign's threshold pause or cancel it through the campaign command
// path, with the reason; a resume forgets the failures counted so far; a
// crossing while the manager was down stops the campaign at its start.
#include "common/operator_campaigns.hpp"
#include "tests/manager/manager_fixture.hpp"

namespace fleetcast::manager::testing {
namespace {

constexpr const char* kBootFailed = "boot_failed: booted version 1.0, expected 2.0 (main)";

class FailureThresholdTest : public ManagerTest {
   protected:
    void SetUp() override {
        ManagerTest::SetUp();
        add_firmware("A123", "main", "2.0");
        for (int i = 1; i <= 5; ++i) device_seen("gw1", dev(i), "A123", {{"main", "1.0"}});
        deliver(*topics::gw_state("gw1"), encode(ProcessState{"gateway", "gw1", true, clock.now(), {}}));
    }
    static std::string dev(int i) { return "A123-00000" + std::to_string(i); }
    void fail(int i, const std::string& detail = kBootFailed) {
        clock.advance(std::chrono::seconds(1));
        job("gw1", "c-1", dev(i), JobState::Failed, 100, {}, detail);
    }
    std::vector<GwCampaignCmd> commands() {
        std::vector<GwCampaignCmd> out;
        for (const auto& p : transport.on_topic(*topics::gw_cmd("gw1")))
            if (auto c = decode_gateway_command(p.payload))
                if (auto* cc = std::get_if<GwCampaignCmd>(&*c)) out.push_back(*cc);
        return out;
    }
    Json listed() {
        auto r = request("campaign_list", R"({"campaign":"c-1"})");
        EXPECT_TRUE(r.ok) << r.error;
        return Json(
            cJSON_Duplicate(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.data.get(), "campaigns"), 0), 1));
    }
    void ack_last() {
        auto c = commands().back();
        deliver(*topics::gw_report("gw1"), encode(CampaignAckReport{"c-1", c.action, c.request_id, 5}));
    }
};

TEST_F(FailureThresholdTest, FailuresOverTheCountPauseTheCampaignWithTheReason) {
    auto created =
        request("campaign_create", R"({"all":true,"campaign":"c-1","failure_threshold":{"max_failures":1}})");
    ASSERT_TRUE(created.ok) << created.error;
    auto echoed = campaign_created_from_json(created.data.get());
    ASSERT_TRUE(echoed) << echoed.error().str();
    ASSERT_TRUE(echoed->failure_threshold);
    EXPECT_EQ(echoed->failure_threshold->max_count, 1u);
    EXPECT_EQ(echoed->failure_threshold->on_failure, FailureAction::Pause);
    EXPECT_EQ(echoed->failure_threshold->failure_states, std::set<JobState>{JobState::Failed});

    fail(1);
    job("gw1", "c-1", dev(3), JobState::Completed, 100, {{"main", "2.0"}});
    EXPECT_TRUE(commands().empty()) << "1 failure is not more than 1";
    fail(2);
    ASSERT_EQ(commands().size(), 1u);
    EXPECT_EQ(commands()[0].action, CampaignAction::Pause);
    const std::string reason =
        "failure threshold 2 of 3 ended failed (max 1): boot_failed x2: A123-000001, A123-000002";
    EXPECT_EQ(commands()[0].reason, reason);
    auto item = listed();
    EXPECT_EQ(field(item.get(), "status"), "paused");
    EXPECT_EQ(field(item.get(), "reason"), reason);
    const cJSON* t = cJSON_GetObjectItemCaseSensitive(item.get(), "failure_threshold");
    ASSERT_NE(t, nullptr) << "campaign_list shows the threshold";
    auto max = json::get_uint(t, "max_failures", 100);
    ASSERT_TRUE(max);
    EXPECT_EQ(*max, 1u);
    auto results = request("results", R"({"campaign":"c-1"})");
    ASSERT_TRUE(results.ok) << results.error;
    EXPECT_EQ(field(results.data.get(), "reason"), reason);

    fail(4);
    EXPECT_EQ(commands().size(), 1u) << "a paused campaign is not paused again";
}

TEST_F(FailureThresholdTest, AResumedCampaignStopsAgainOnlyOnFailuresBeyondThoseCountedAtTheResume) {
    create_campaign(R"({"all":true,"campaign":"c-1","failure_threshold":{"max_failures":1}})");
    fail(1);
    fail(2);
    ASSERT_EQ(commands().size(), 1u);
    ack_last();
    auto resumed = request("campaign_resume", R"({"campaign":"c-1"})");
    ASSERT_TRUE(resumed.ok) << resumed.error;
    ASSERT_EQ(commands().size(), 2u);
    ack_last();
    // A duplicate of a counted failure and one new failure: not more than 1 since the resume.
    fail(2);
    fail(3);
    EXPECT_EQ(commands().size(), 2u);
    EXPECT_EQ(field(listed().get(), "status"), "running");
    // Also not at a manager restart.
    open_manager();
    EXPECT_EQ(commands().size(), 2u);
    fail(4, "checksum: image sha256 mismatch");
    ASSERT_EQ(commands().size(), 3u);
    EXPECT_EQ(commands()[2].action, CampaignAction::Pause);
    EXPECT_EQ(commands()[2].reason,
              "failure threshold 2 of 2 ended failed since the resume (max 1): boot_failed x1, checksum x1: "
              "A123-000003, A123-000004");
}

TEST_F(FailureThresholdTest, OnFailureCancelCancelsTheCampaignAndCountsTheChosenResults) {
    create_campaign(R"({"all":true,"campaign":"c-1","failure_threshold":{"max_failures_percent":40,"min_ended":3,)"
                    R"("failure_results":["ERROR","EXPIRED"],"on_failure":"cancel"}})");
    job("gw1", "c-1", dev(1), JobState::Expired, 10, {}, "EXPIRED: expiry time reached");
    job("gw1", "c-1", dev(2), JobState::Canceled, 10, {}, "canceled by operator");
    EXPECT_TRUE(commands().empty()) << "2 ended: below min_ended; CANCELED does not count";
    job("gw1", "c-1", dev(3), JobState::Failed, 100, {}, kBootFailed);
    ASSERT_EQ(commands().size(), 1u) << "2 of 3 ended failed: more than 40 %";
    EXPECT_EQ(commands()[0].action, CampaignAction::Cancel);
    EXPECT_EQ(commands()[0].reason,
              "failure threshold 2 of 3 ended failed (max 40% once 3 ended): EXPIRED x1, boot_failed x1: "
              "A123-000001, A123-000003");
    EXPECT_EQ(field(listed().get(), "status"), "canceled");
    EXPECT_TRUE(transport.on_topic(*topics::gw_schedule("gw1", "c-1")).back().payload.empty())
        << "the cancel cleared the retained schedule";
}

TEST_F(FailureThresholdTest, ACrossingWhileTheManagerWasDownStopsTheCampaignAtStart) {
    create_campaign(R"({"all":true,"campaign":"c-1","failure_threshold":{"max_failures":0}})");
    mgr.reset();
    {
        auto store = ManagerStore::open(dir / "state" / "manager.db");
        ASSERT_TRUE(store) << store.error().str();
        auto t = (*store)->find_target("c-1", dev(5));
        ASSERT_TRUE(t && *t);
        auto failed = **t;
        failed.state = JobState::Failed;
        failed.detail = "no_power_on: no power-on report within 60 s";
        failed.ended_at = clock.now();
        ASSERT_TRUE((*store)->update_target(failed));
    }
    open_manager();
    ASSERT_EQ(commands().size(), 1u);
    EXPECT_EQ(commands()[0].action, CampaignAction::Pause);
    EXPECT_EQ(commands()[0].reason, "failure threshold 1 of 1 ended failed (max 0): no_power_on x1: A123-000005");
}

TEST_F(FailureThresholdTest, BadThresholdArgsAreRefusedAsBadArgs) {
    for (const char* args : {R"({"all":true,"failure_threshold":{"max_failures_percent":0}})",
                             R"({"all":true,"failure_threshold":{"max_failures_percent":101}})",
                             R"({"all":true,"failure_threshold":{"max_failures":1,"failure_results":["FINE"]}})",
                             R"({"all":true,"failure_threshold":{"max_failures":1,"on_failure":"halt"}})"}) {
        auto r = request("campaign_create", args);
        EXPECT_FALSE(r.ok) << args;
        EXPECT_EQ(r.code, "bad_args") << args << ": " << r.error;
    }
    auto list = request("campaign_list");
    EXPECT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(list.data.get(), "campaigns")), 0);
}

}  // namespace
}  // namespace fleetcast::manager::testing
