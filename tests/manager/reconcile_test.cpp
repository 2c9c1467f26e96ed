// R27 at the manager: a gateway's digest compared with the targets table,
// resyncs, schedules published again or restored on the broker, and what
// the manager re-publishes when the broker lost its session.
#include "common/job_digest.hpp"
#include "tests/manager/manager_fixture.hpp"

namespace fleetcast::manager::testing {
namespace {

const std::string d1 = "A123-000001", d2 = "A123-000002", d3 = "A123-000003";

class ReconcileTest : public ManagerTest {
   protected:
    void SetUp() override {
        ManagerTest::SetUp();
        add_firmware("A123", "main", "2.0");
        device_seen("gw1", d1, "A123", {{"main", "1.0"}});
        device_seen("gw1", d2, "A123", {{"main", "1.0"}});
        device_seen("gw2", d3, "A123", {{"main", "1.0"}});
        campaign = create_campaign(R"({"all":true,"campaign":"c-rec"})");
        transport.clear();
    }
    void digest(const std::string& gw, std::vector<CampaignDigest> campaigns) {
        DigestReport r{clock.now(), std::move(campaigns)};
        deliver(*topics::gw_report(gw), encode(r));
    }
    CampaignDigest held(const std::string& c, const std::vector<JobStateRow>& rows) {
        CampaignDigest d{c, rows.size(), 0, job_digest(rows)};
        for (const auto& r : rows) d.open += !is_terminal(r.second);
        return d;
    }
    std::vector<GwResyncCmd> resyncs(const std::string& gw) {
        std::vector<GwResyncCmd> out;
        for (const auto& p : transport.on_topic(*topics::gw_cmd(gw)))
            if (auto c = decode_gateway_command(p.payload))
                if (auto* r = std::get_if<GwResyncCmd>(&*c)) out.push_back(*r);
        return out;
    }
    std::vector<Published> schedules(const std::string& gw) {
        return transport.on_topic(*topics::gw_schedule(gw, campaign));
    }
    std::string state_of(const std::string& dev) {
        auto r = request("results", R"({"campaign":"c-rec"})");
        EXPECT_TRUE(r.ok) << r.error;
        return field(rows(r).at(dev), "state");
    }
    std::string campaign;
};

TEST_F(ReconcileTest, MatchingDigestChangesNothing) {
    digest("gw1", {held(campaign, {{d1, JobState::Waiting}, {d2, JobState::Waiting}})});
    EXPECT_TRUE(resyncs("gw1").empty());
    EXPECT_TRUE(schedules("gw1").empty());
    EXPECT_EQ(counter("bad_input"), 0u);
}

TEST_F(ReconcileTest, DifferentDigestSendsAResyncAndTheReportsRepairTheView) {
    // The gateway's report of d1's completion was lost.
    auto theirs = held(campaign, {{d1, JobState::Completed}, {d2, JobState::Waiting}});
    digest("gw1", {theirs});
    auto rs = resyncs("gw1");
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rs[0].campaign, campaign);
    EXPECT_EQ(counter("resyncs"), 1u);
    // The gateway answers with every job of the campaign.
    job("gw1", campaign, d1, JobState::Completed, 100, {{"main", "2.0"}});
    job("gw1", campaign, d2, JobState::Waiting);
    EXPECT_EQ(state_of(d1), "completed");
    digest("gw1", {theirs});
    EXPECT_EQ(resyncs("gw1").size(), 1u) << "in agreement now";
    EXPECT_EQ(counter("reconcile_mismatch"), 0u);
}

TEST_F(ReconcileTest, ResyncNeverReopensAnEndedTargetAndIsNotRepeatedWhenItChangesNothing) {
    job("gw1", campaign, d1, JobState::Completed, 100, {{"main", "2.0"}});
    auto theirs = held(campaign, {{d1, JobState::Transferring}, {d2, JobState::Waiting}});
    digest("gw1", {theirs});
    ASSERT_EQ(resyncs("gw1").size(), 1u);
    job("gw1", campaign, d1, JobState::Transferring, 40);  // the resync answer: older than what we hold
    job("gw1", campaign, d2, JobState::Waiting);
    EXPECT_EQ(state_of(d1), "completed");
    digest("gw1", {theirs});
    EXPECT_EQ(resyncs("gw1").size(), 1u);
    EXPECT_EQ(counter("reconcile_mismatch"), 1u);
}

TEST_F(ReconcileTest, CampaignMissingFromTheDigestIsPublishedAgainToThatGatewayOnly) {
    digest("gw1", {});
    auto s = schedules("gw1");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_TRUE(s[0].retained);
    auto sched = decode_schedule(s[0].payload);
    ASSERT_TRUE(sched) << sched.error().str();
    EXPECT_EQ(sched->devices.size(), 2u);
    EXPECT_TRUE(schedules("gw2").empty());
    EXPECT_EQ(counter("schedule_republished"), 1u);
}

TEST_F(ReconcileTest, UnknownCampaignAndOpenJobsOfAnEndedOneAreCountedNotRepaired) {
    job("gw2", campaign, d3, JobState::Completed, 100, {{"main", "2.0"}});  // ended on gw2: schedule cleared
    transport.clear();
    digest("gw2", {held("c-other", {{d3, JobState::Waiting}}), held(campaign, {{d3, JobState::Transferring}})});
    EXPECT_EQ(counter("unknown_campaign"), 1u);
    EXPECT_EQ(counter("reconcile_mismatch"), 1u);
    EXPECT_TRUE(resyncs("gw2").empty());
    EXPECT_TRUE(schedules("gw2").empty());
    EXPECT_EQ(state_of(d3), "completed");
    // Ended on both sides (the clear is on its way): nothing to say.
    digest("gw2", {held(campaign, {{d3, JobState::Completed}})});
    EXPECT_EQ(counter("reconcile_mismatch"), 1u);
}

TEST_F(ReconcileTest, EmptiedScheduleIsRestoredButTheManagersOwnEchoAndClearingAreNot) {
    deliver(*topics::gw_schedule("gw1", campaign), "");  // a hostile or stray empty retained message
    auto s = schedules("gw1");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_TRUE(s[0].retained);
    EXPECT_FALSE(s[0].payload.empty());
    EXPECT_EQ(counter("schedule_restored"), 1u);
    deliver(*topics::gw_schedule("gw1", campaign), s[0].payload);  // our own echo
    EXPECT_EQ(schedules("gw1").size(), 1u);

    job("gw2", campaign, d3, JobState::Completed, 100, {{"main", "2.0"}});
    auto cleared = schedules("gw2");
    ASSERT_EQ(cleared.size(), 1u);
    EXPECT_TRUE(cleared[0].payload.empty());
    deliver(*topics::gw_schedule("gw2", campaign), "");  // the echo of our clearing
    EXPECT_EQ(schedules("gw2").size(), 1u);
    EXPECT_EQ(counter("schedule_restored"), 1u);
}

TEST_F(ReconcileTest, ReplacedScheduleIsRestoredAndAStaleOneOfAnEndedGatewayClearedAgain) {
    deliver(*topics::gw_schedule("gw1", campaign), "");
    auto good = decode_schedule(schedules("gw1").back().payload);
    ASSERT_TRUE(good);
    Schedule other = *good;
    other.devices.pop_back();
    transport.clear();
    deliver(*topics::gw_schedule("gw1", campaign), encode(other));
    ASSERT_EQ(schedules("gw1").size(), 1u);
    auto restored = decode_schedule(schedules("gw1")[0].payload);
    ASSERT_TRUE(restored);
    EXPECT_EQ(restored->devices.size(), 2u);

    job("gw2", campaign, d3, JobState::Completed, 100, {{"main", "2.0"}});
    transport.clear();
    deliver(*topics::gw_schedule("gw2", campaign), encode(other));  // a stale copy after the end
    auto s = schedules("gw2");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_TRUE(s[0].payload.empty());
    EXPECT_TRUE(s[0].retained);
}

TEST_F(ReconcileTest, UnknownJobReportRepublishesTheScheduleWhileTheCampaignRunsThere) {
    deliver(*topics::gw_report("gw1"), encode(UnknownJobReport{campaign, d1, "ready"}));
    EXPECT_EQ(schedules("gw1").size(), 1u);
    deliver(*topics::gw_report("gw1"), encode(UnknownJobReport{"c-nope", d1, "ready"}));
    EXPECT_EQ(counter("unknown_campaign"), 1u);
    EXPECT_EQ(counter("bad_input"), 0u);
}

TEST_F(ReconcileTest, ReconnectWithoutASessionRepublishesManifestsSchedulesAndState) {
    auto connected = [&](bool lost) {
        MqttEvent e{MqttEvent::Kind::Connected, 0, {}, {}, false};
        e.session_lost = lost;
        mgr->handle(e);
    };
    auto manifests = [&] {
        std::size_t n = 0;
        for (const auto& p : transport.published) n += p.topic.find("/manifest") != std::string::npos && p.retained;
        return n;
    };
    connected(true);  // the first connection: start() already published
    EXPECT_EQ(manifests(), 0u);
    EXPECT_EQ(transport.on_topic(topics::manager_state()).size(), 1u);
    connected(false);  // the broker kept our session
    EXPECT_EQ(manifests(), 0u);
    EXPECT_TRUE(schedules("gw1").empty());
    connected(true);  // the broker restarted without persistence
    EXPECT_EQ(manifests(), 1u);
    EXPECT_EQ(schedules("gw1").size(), 1u);
    EXPECT_EQ(schedules("gw2").size(), 1u);
    EXPECT_EQ(transport.on_topic(topics::manager_state()).size(), 3u);
}

TEST_F(ReconcileTest, OperatorRequestsUseTheirOwnConnectionWhenGiven) {
    mgr.reset();
    fleetcast::testing::RecordingTransport ops;
    ManagerConfig config;
    config.state_dir = dir / "state";
    config.signing_key = fleetcast::testing::test_signing_key();
    auto m = Manager::open(transport, clock, config);
    ASSERT_TRUE(m) << m.error().str();
    mgr = std::move(*m);
    mgr->set_ops_transport(ops);
    transport.subscriptions.clear();
    ASSERT_TRUE(mgr->start());
    EXPECT_TRUE(ops.subscriptions.count(topics::manager_request_filter()));
    EXPECT_FALSE(transport.subscriptions.count(topics::manager_request_filter()));
    EXPECT_TRUE(transport.subscriptions.count(topics::gw_schedule_all_filter()));
    transport.clear();
    OperatorRequest req{"r-ops-1", "firmware_list", Json::object()};
    mgr->handle(MqttEvent{MqttEvent::Kind::Message, Manager::kOpsTag, *topics::manager_request("op1", "op1"),
                          encode(req), false});
    EXPECT_TRUE(transport.on_topic(*topics::manager_response("op1", "op1")).empty());
    auto resp = ops.on_topic(*topics::manager_response("op1", "op1"));
    ASSERT_EQ(resp.size(), 1u);
    auto r = decode_operator_response(resp[0].payload);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->ok);
    mgr.reset();  // before `ops` goes
}

}  // namespace
}  // namespace fleetcast::manager::testing
