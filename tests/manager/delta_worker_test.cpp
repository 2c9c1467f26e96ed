// Issue 17 follow-up: deltas are made off the manager's loop. A campaign
// that wants one is stored `preparing` (its schedules held) and answered at
// once; the worker's outcome comes back to the loop (tick) and only then do
// the schedules go out. Driven by a ManualExecutor: no threads, the test
// decides when the worker runs.
#include "common/operator_campaign_create.hpp"
#include "manager/campaign_control.hpp"
#include "tests/manager/delta_fixture.hpp"
#include "tests/support/manual_executor.hpp"

namespace fleetcast::manager::testing {
namespace {

class ManagerDeltaWorkerTest : public ManagerDeltaTest {
   protected:
    void SetUp() override {
        delta_executor = &worker;
        ManagerDeltaTest::SetUp();
    }
    // v1.1 and a next release v1.2 that makes a small delta; `devices` on 1.1.
    void two_releases(int devices = 2) {
        const auto v1_bytes = random_bytes(200 * 1024, 1);
        auto v2_bytes = v1_bytes;
        v2_bytes.insert(50000, random_bytes(2000, 2));
        v1 = add(v1_bytes, "1.1");
        v2 = add(v2_bytes, "1.2");
        for (int i = 1; i <= devices; ++i)
            device_seen("gw1", "A123-00000" + std::to_string(i), "A123", {{"main", "1.1"}});
    }
    OperatorResponse create(const std::string& id) {
        auto resp = request("campaign_create", R"({"all":true,"campaign":")" + id + R"("})");
        EXPECT_TRUE(resp.ok) << resp.error;
        return resp;
    }
    // The answer's `preparing` (0 when absent: the schedules went out).
    static std::uint64_t preparing(const OperatorResponse& resp) {
        auto c = campaign_created_from_json(resp.data.get());
        EXPECT_TRUE(c) << c.error().str();
        return c && c->preparing ? *c->preparing : 0;
    }
    std::string state_in_list(const std::string& campaign) {
        auto resp = request("campaign_list", R"({"campaign":")" + campaign + R"("})");
        EXPECT_TRUE(resp.ok) << resp.error;
        auto a = campaign_list_answer_from_json(resp.data.get());
        return a && a->campaigns.size() == 1 ? a->campaigns[0].control.state : std::string("<none>");
    }
    std::string state_in_results(const std::string& campaign) {
        auto resp = request("results", R"({"campaign":")" + campaign + R"("})");
        EXPECT_TRUE(resp.ok) << resp.error;
        auto a = results_answer_from_json(resp.data.get());
        return a ? a->control.state : std::string("<none>");
    }
    bool schedule_sent(const std::string& campaign) {
        return !transport.on_topic(*topics::gw_schedule("gw1", campaign)).empty();
    }
    // One loop turn a second later (the preparer looks at preparing campaigns once a second).
    void next_second() {
        clock.advance(std::chrono::seconds(1));
        mgr->tick();
    }
    const FirmwareManifest* delta_in(const Schedule& s) {
        for (const auto& m : s.firmware)
            if (is_delta(m)) return &m;
        return nullptr;
    }
    fleetcast::testing::ManualExecutor worker;
    FirmwareManifest v1, v2;
};

}  // namespace

TEST_F(ManagerDeltaWorkerTest, CampaignWantingADeltaIsAnsweredAtOncePreparingAndItsScheduleWaitsForTheWorker) {
    two_releases();
    auto resp = create("c-prep");
    EXPECT_EQ(preparing(resp), 1u) << "one delta to make";
    EXPECT_EQ(worker.queued(), 1u) << "submitted to the worker, not made in the request";
    EXPECT_FALSE(schedule_sent("c-prep")) << "held while preparing";
    EXPECT_EQ(state_in_list("c-prep"), "preparing");
    EXPECT_EQ(state_in_results("c-prep"), "preparing");
    EXPECT_EQ(firmware_list().size(), 2u) << "no delta yet";

    // The loop goes on while the worker works: reports are stored.
    device_seen("gw1", "A123-000009", "A123", {{"main", "1.0"}});
    EXPECT_TRUE(*mgr->store().find_device("A123-000009"));

    worker.run_one();
    EXPECT_FALSE(schedule_sent("c-prep")) << "the outcome waits in the mailbox until the loop takes it";
    EXPECT_EQ(firmware_list().size(), 2u) << "the worker writes no database row";
    mgr->tick();
    ASSERT_TRUE(schedule_sent("c-prep")) << "the loop stored the delta and sent the schedule";
    auto s = schedule_of("c-prep");
    const auto* delta = delta_in(s);
    ASSERT_NE(delta, nullptr);
    EXPECT_EQ(delta->encoding->source_sha256, v1.sha256);
    for (const auto& d : s.devices) EXPECT_EQ(d.fw_ids, std::vector<std::string>{delta->fw_id}) << d.device;
    EXPECT_EQ(state_in_list("c-prep"), "running") << "an ASAP campaign: its update time came";
    EXPECT_EQ(worker.queued(), 0u) << "the delta was made: no compressed image wanted";
}

TEST_F(ManagerDeltaWorkerTest, CampaignWhoseDeltasAreMadeGoesOutInTheRequestWithoutTheWorker) {
    two_releases();
    create("c-first");
    worker.run_all();
    mgr->tick();
    ASSERT_TRUE(schedule_sent("c-first"));
    const auto before = worker.submitted();
    auto resp = create("c-second");
    EXPECT_EQ(preparing(resp), 0u) << "nothing to make";
    EXPECT_EQ(worker.submitted(), before);
    EXPECT_TRUE(schedule_sent("c-second")) << "sent in the request, as before";
}

TEST_F(ManagerDeltaWorkerTest, DryRunMakesNothingAndSubmitsNothing) {
    two_releases();
    auto resp = request("campaign_create", R"({"all":true,"campaign":"c-dry","dry_run":true})");
    ASSERT_TRUE(resp.ok) << resp.error;
    EXPECT_EQ(worker.submitted(), 0u);
    EXPECT_FALSE(*mgr->store().find_campaign("c-dry"));
}

TEST_F(ManagerDeltaWorkerTest, TooBigDeltaIsGivenUpStoredAndNotTriedAgainAfterARestart) {
    add(random_bytes(100 * 1024, 5), "1.1");
    const auto v2r = add(random_bytes(100 * 1024, 6), "1.2");
    device_seen("gw1", "A123-000001", "A123", {{"main", "1.1"}});
    create("c-random");
    ASSERT_EQ(worker.queued(), 1u);
    worker.run_one();  // the delta: too big
    mgr->tick();
    EXPECT_FALSE(schedule_sent("c-random")) << "the compressed image is tried next";
    ASSERT_EQ(worker.queued(), 1u);
    worker.run_one();  // compression of random data: too big too
    mgr->tick();
    auto s = schedule_of("c-random");
    EXPECT_EQ(s.devices.at(0).fw_ids, std::vector<std::string>{v2r.fw_id}) << "the full image";
    auto given_up = mgr->store().given_up_encodings();
    ASSERT_TRUE(given_up);
    ASSERT_EQ(given_up->size(), 2u) << "the delta and the compressed image";

    // Restarted: the pairs are not made again, the next campaign goes out at once.
    open_manager();
    const auto before = worker.submitted();
    auto resp = create("c-random-2");
    EXPECT_EQ(preparing(resp), 0u);
    EXPECT_EQ(worker.submitted(), before) << "given up pairs are remembered across a restart";
    EXPECT_TRUE(schedule_sent("c-random-2"));
    // firmware list shows what was given up.
    auto list = request("firmware_list");
    auto a = firmware_list_answer_from_json(list.data.get());
    ASSERT_TRUE(a) << a.error().str();
    ASSERT_EQ(a->given_up.size(), 2u);
    EXPECT_EQ(a->given_up[0].target_fw, v2r.fw_id);
}

TEST_F(ManagerDeltaWorkerTest, PausedWhilePreparingHoldsItsScheduleUntilResumed) {
    two_releases();
    create("c-pause");
    auto paused = request("campaign_pause", R"({"campaign":"c-pause","reason":"not now"})");
    ASSERT_TRUE(paused.ok) << paused.error;
    EXPECT_EQ(field(paused.data.get(), "state"), "paused");
    EXPECT_TRUE(transport.on_topic(*topics::gw_cmd("gw1")).empty()) << "no gateway has the campaign: nothing sent";
    worker.run_all();
    next_second();
    EXPECT_FALSE(schedule_sent("c-pause")) << "the delta is made but the campaign is paused";
    EXPECT_EQ(state_in_list("c-pause"), "paused");

    auto resumed = request("campaign_resume", R"({"campaign":"c-pause"})");
    ASSERT_TRUE(resumed.ok) << resumed.error;
    EXPECT_EQ(field(resumed.data.get(), "state"), "preparing");
    next_second();
    ASSERT_TRUE(schedule_sent("c-pause"));
    EXPECT_NE(delta_in(schedule_of("c-pause")), nullptr);
    EXPECT_EQ(state_in_list("c-pause"), "running");
    EXPECT_TRUE(transport.on_topic(*topics::gw_cmd("gw1")).empty());
}

TEST_F(ManagerDeltaWorkerTest, CanceledWhilePreparingEndsItsTargetsAndNeverSendsTheSchedule) {
    two_releases();
    create("c-cancel");
    auto canceled = request("campaign_cancel", R"({"campaign":"c-cancel"})");
    ASSERT_TRUE(canceled.ok) << canceled.error;
    EXPECT_EQ(field(canceled.data.get(), "state"), "canceled");
    worker.run_all();
    next_second();
    EXPECT_FALSE(schedule_sent("c-cancel"));
    EXPECT_TRUE(transport.on_topic(*topics::gw_cmd("gw1")).empty());
    auto counts = mgr->store().target_state_counts("c-cancel");
    ASSERT_TRUE(counts);
    EXPECT_EQ((*counts)[JobState::Canceled], 2u) << "no gateway will report them: they end here";
    EXPECT_EQ(state_in_list("c-cancel"), "canceled");
}

TEST_F(ManagerDeltaWorkerTest, ManagerStoppedWhilePreparingResumesThePreparationAtStart) {
    two_releases();
    create("c-restart");
    ASSERT_EQ(worker.queued(), 1u);
    // Killed: the worker's queue is gone, a half-made temp file stays behind.
    worker.drop_all();
    const auto stale = dir / "state" / "images" / ".delta-123-456";
    std::ofstream(stale) << "half";
    open_manager();
    EXPECT_FALSE(std::filesystem::exists(stale)) << "half-made artifacts are removed at start";
    EXPECT_EQ(state_in_list("c-restart"), "preparing") << "the state is in the database";
    ASSERT_EQ(worker.queued(), 1u) << "start() submitted the delta again";
    worker.run_one();
    mgr->tick();
    ASSERT_TRUE(schedule_sent("c-restart"));
    EXPECT_NE(delta_in(schedule_of("c-restart")), nullptr);
}

TEST_F(ManagerDeltaWorkerTest, AFullWorkerQueueKeepsTheRestForLaterAndTheCampaignWaitsForAll) {
    // Three source versions, one target: three deltas, a worker queue of one.
    const auto base = random_bytes(100 * 1024, 1);
    for (int v = 0; v < 3; ++v) {
        auto bytes = base;
        bytes[static_cast<std::size_t>(1000 + v)] ^= 0x5a;
        add(bytes, "1." + std::to_string(v));
        device_seen("gw1", "A123-00000" + std::to_string(v + 1), "A123", {{"main", "1." + std::to_string(v)}});
    }
    auto target = base;
    target.insert(5000, random_bytes(500, 9));
    add(target, "2.0");
    worker = fleetcast::testing::ManualExecutor(1);
    open_manager();
    auto resp = create("c-three");
    EXPECT_EQ(preparing(resp), 3u);
    for (int made = 0; made < 3; ++made) {
        EXPECT_FALSE(schedule_sent("c-three")) << made << " of 3 made";
        ASSERT_EQ(worker.queued(), 1u) << "one at a time";
        worker.run_one();
        next_second();
    }
    ASSERT_TRUE(schedule_sent("c-three"));
    auto s = schedule_of("c-three");
    std::set<std::string> deltas;
    for (const auto& m : s.firmware)
        if (is_delta(m)) deltas.insert(m.encoding->source_version);
    EXPECT_EQ(deltas, (std::set<std::string>{"1.0", "1.1", "1.2"}));
}

TEST(CampaignTransitions, PreparedMovesOnlyAPreparingCampaignAndOperatorCommandsApplyWhilePreparing) {
    CampaignRecord c;
    c.id = "c-1";
    const TimePoint now{};
    auto to = [&](std::string_view state, CampaignEvent e) {
        c.state = std::string(state);
        auto t = campaign_transition(c, e, now);
        return t ? (*t ? std::string(**t) : std::string("same")) : "refused:" + t.error().code;
    };
    EXPECT_EQ(to(kCampaignPreparing, CampaignEvent::Prepared), "active");
    EXPECT_EQ(to(kCampaignPreparingPaused, CampaignEvent::Prepared), "refused:not_preparing");
    EXPECT_EQ(to(kCampaignActive, CampaignEvent::Prepared), "refused:not_preparing");
    EXPECT_EQ(to(kCampaignPreparing, CampaignEvent::Pause), "preparing_paused");
    EXPECT_EQ(to(kCampaignPreparingPaused, CampaignEvent::Pause), "same");
    EXPECT_EQ(to(kCampaignPreparingPaused, CampaignEvent::Resume), "preparing");
    EXPECT_EQ(to(kCampaignPreparing, CampaignEvent::Resume), "refused:not_paused");
    EXPECT_EQ(to(kCampaignPreparing, CampaignEvent::Cancel), "canceled");
    EXPECT_EQ(to(kCampaignPreparingPaused, CampaignEvent::Cancel), "canceled");
    EXPECT_EQ(to(kCampaignEnded, CampaignEvent::Cancel), "refused:too_late");
    EXPECT_EQ(to(kCampaignActive, CampaignEvent::Pause), "paused");
    EXPECT_EQ(to(kCampaignPaused, CampaignEvent::Resume), "active");
    EXPECT_FALSE(schedules_sent(kCampaignPreparing));
    EXPECT_FALSE(schedules_sent(kCampaignPreparingPaused));
    EXPECT_TRUE(schedules_sent(kCampaignPaused));
}

}  // namespace fleetcast::manager::testing
