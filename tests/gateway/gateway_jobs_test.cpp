// The per-device job table: progress, completion, idempotence (R16, R17, R19).
#include "common/topics.hpp"
#include "tests/gateway/gateway_fixture.hpp"

namespace fleetcast::gateway::testing {
namespace {

class Jobs : public GatewayTest {
   protected:
    const std::string d1 = "A123-000001";
    void transferring(std::uint32_t max_retries = 0) {
        auto s = make_schedule("c1", clock.now(), {&main_v2}, {d1});
        s.retry.max_retries = max_retries;
        s.retry.backoff = Millis(2000);
        s.retry.power_on_timeout = Millis(30000);
        send_schedule(s);
        send_all_chunks(main_v2);
        device_event(d1, encode(ReadyEvent{"c1", {main_v2.manifest.fw_id}}));
        ASSERT_EQ(job_reports(d1).back().state, JobState::Transferring);
    }
    JobRow stored(const std::string& device) {
        for (const auto& j : stored_jobs())
            if (j.device == device) return j;
        ADD_FAILURE() << "no stored job for " << device;
        return {};
    }
};

TEST_F(Jobs, PowerOnWithNewVersionCompletesJob) {
    transferring();
    auto offered_at = clock.now();
    device_event(d1, encode(ProgressEvent{"c1", "installing", 100}));
    EXPECT_EQ(job_reports(d1).back().state, JobState::Installing);
    clock.advance(Millis(8000));
    device_event(d1, encode(PowerOnEvent{
                         "c1", {{"main", "2.0"}, {"controller", "3.1"}}, 2, {{"main", main_v2.manifest.sha256}}}));

    auto r = job_reports(d1).back();
    EXPECT_EQ(r.state, JobState::Completed);
    EXPECT_EQ(r.progress, 100u);
    EXPECT_EQ(r.started_at, offered_at);
    EXPECT_EQ(r.ended_at, clock.now());
    EXPECT_EQ(r.firmware.at("main"), "2.0");
    auto row = stored(d1);
    EXPECT_EQ(row.state, JobState::Completed);
    EXPECT_EQ(row.ended_at, clock.now());

    // A duplicate power-on changes nothing.
    auto reports = job_reports(d1).size();
    device_event(d1, encode(PowerOnEvent{"c1", {{"main", "2.0"}}, 2, {{"main", main_v2.manifest.sha256}}}));
    EXPECT_EQ(job_reports(d1).size(), reports);
}

TEST_F(Jobs, PowerOnWithOldVersionFailsJob) {
    transferring();
    device_event(d1, encode(ProgressEvent{"c1", "restarting", 100}));
    EXPECT_EQ(job_reports(d1).back().state, JobState::Restarting);
    device_event(d1, encode(PowerOnEvent{"c1", {{"main", "1.0"}}, 3}));
    auto r = job_reports(d1).back();
    EXPECT_EQ(r.state, JobState::Failed);
    EXPECT_NE(r.detail.find("booted version 1.0, expected 2.0"), std::string::npos) << r.detail;
    EXPECT_TRUE(r.ended_at.has_value());
    EXPECT_EQ(stored(d1).state, JobState::Failed);
}

TEST_F(Jobs, DeviceErrorFailsJobWithCodeAndDetail) {
    transferring();
    device_event(d1, encode(ErrorEvent{"c1", main_v2.manifest.fw_id, "checksum", "image SHA-256 mismatch"}));
    auto r = job_reports(d1).back();
    EXPECT_EQ(r.state, JobState::Failed);
    EXPECT_NE(r.detail.find("checksum: image SHA-256 mismatch"), std::string::npos) << r.detail;
    EXPECT_TRUE(r.ended_at.has_value());
}

TEST_F(Jobs, ProgressIsReportedOncePerTenPercentStep) {
    transferring();
    auto before = job_reports(d1).size();
    for (std::uint32_t p : {1u, 5u, 9u, 10u, 11u, 19u, 25u})
        device_event(d1, encode(ProgressEvent{"c1", "receiving", p}));
    auto reports = job_reports(d1);
    ASSERT_EQ(reports.size(), before + 2);  // at 10 and at 25
    EXPECT_EQ(reports.back().progress, 25u);
    EXPECT_EQ(stored(d1).progress, 25u);
}

// Progress steps of one loop turn are stored together (one commit) and only
// then reported: nothing is reported that is not stored.
TEST_F(Jobs, ProgressStepsAreStoredThenReportedAtTheNextTick) {
    transferring();
    auto before = job_reports(d1).size();
    handle_only(*topics::dev_event(kGw, d1), encode(ProgressEvent{"c1", "receiving", 30}));
    EXPECT_EQ(job_reports(d1).size(), before) << "not reported before it is stored";
    EXPECT_EQ(stored(d1).progress, 0u);
    gw->tick();
    ASSERT_EQ(job_reports(d1).size(), before + 1);
    EXPECT_EQ(job_reports(d1).back().progress, 30u);
    EXPECT_EQ(stored(d1).progress, 30u);
}

TEST_F(Jobs, RedeliveredScheduleDoesNotResetJobs) {
    transferring();
    device_event(d1, encode(ProgressEvent{"c1", "receiving", 50}));
    auto reports = job_reports(d1).size();
    auto offers = commands(d1).size();

    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1}));  // QoS 1 duplicate / reconnect
    EXPECT_EQ(job_reports(d1).size(), reports);
    restart();
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1}));  // retained, after a restart
    auto row = stored(d1);
    EXPECT_EQ(row.state, JobState::Transferring);
    EXPECT_EQ(row.progress, 50u);
    auto all = job_reports(d1);
    for (auto i = reports; i < all.size(); ++i) EXPECT_NE(all[i].state, JobState::Waiting) << "no reset report";
    EXPECT_EQ(commands(d1).size(), offers + 1) << "only the re-offer after the restart";

    // A new device added to the same campaign gets its own job.
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1, "A123-000002"}));
    EXPECT_EQ(stored_jobs().size(), 2u);
    EXPECT_EQ(stored(d1).progress, 50u);
}

TEST_F(Jobs, ClearedScheduleWithOpenJobsIsKept) {
    // Only the manager clears, after every job here ended (issue 13): a clear
    // that arrives while a job is open is refused (forgetting is covered by
    // Robustness.ScheduleClearAfterEveryJobEndedForgetsTheCampaign).
    transferring();
    deliver(*topics::gw_schedule(kGw, "c1"), "", true);
    EXPECT_EQ(stored_jobs().size(), 1u);
    EXPECT_EQ(counter("schedule_clear_refused"), 1u);
    device_event(d1, encode(ProgressEvent{"c1", "receiving", 60}));
    EXPECT_EQ(counter("bad_input"), 0u) << "the job is still known";
    deliver(*topics::gw_schedule(kGw, "c-unknown"), "", true);  // clearing an unknown campaign is harmless
    EXPECT_EQ(counter("bad_input"), 0u);
}

TEST_F(Jobs, DeviceStateIsStoredAndForwardedOnlyWhenChanged) {
    device_state(d1, "A123", {{"main", "1.0"}});
    device_state(d1, "A123", {{"main", "1.0"}});
    std::size_t seen = 0;
    for (const auto& p : transport.on_topic(*topics::gw_report(kGw))) {
        auto r = decode_gateway_report(p.payload);
        ASSERT_TRUE(r);
        if (auto* s = std::get_if<DeviceSeenReport>(&*r)) {
            ++seen;
            EXPECT_EQ(s->state.device, d1);
            EXPECT_EQ(s->state.firmware.at("main"), "1.0");
        }
    }
    EXPECT_EQ(seen, 1u);
    device_state(d1, "A123", {{"main", "2.0"}});
    auto devices = store->load_devices();
    ASSERT_TRUE(devices);
    ASSERT_EQ(devices->size(), 1u);
    EXPECT_EQ((*devices)[0].firmware.at("main"), "2.0");
}

TEST_F(Jobs, ExpiredTransferIsReportedExpired) {
    auto s = make_schedule("c1", clock.now(), {&main_v2}, {d1});
    s.expires_at = clock.now() + std::chrono::minutes(5);
    send_schedule(s);
    advance(Millis(5 * 60 * 1000));
    auto r = job_reports(d1).back();
    EXPECT_EQ(r.state, JobState::Expired);
    EXPECT_NE(r.detail.find("EXPIRED"), std::string::npos);
}

TEST_F(Jobs, ExpiryDuringTransferTellsTheDeviceToDropItsPartialImage) {
    auto s = make_schedule("c1", clock.now(), {&main_v2}, {d1});
    s.expires_at = clock.now() + std::chrono::minutes(5);
    send_schedule(s);
    send_all_chunks(main_v2);
    device_event(d1, encode(ReadyEvent{"c1", {main_v2.manifest.fw_id}}));
    ASSERT_EQ(job_reports(d1).back().state, JobState::Transferring);
    advance(Millis(5 * 60 * 1000));
    EXPECT_EQ(job_reports(d1).back().state, JobState::Expired);
    auto cmds = commands(d1);
    ASSERT_FALSE(cmds.empty());
    auto* expire = std::get_if<ExpireCmd>(&cmds.back());
    ASSERT_NE(expire, nullptr);
    EXPECT_EQ(expire->campaign, "c1");
}

TEST_F(Jobs, FailedAttemptIsRetriedAfterBackoffThenEndsInError) {
    transferring(1);
    device_event(d1, encode(ErrorEvent{"c1", main_v2.manifest.fw_id, "write_failure", "disk"}));
    auto r = job_reports(d1).back();
    EXPECT_EQ(r.state, JobState::Waiting);
    EXPECT_NE(r.detail.find("write_failure: disk"), std::string::npos) << r.detail;
    EXPECT_NE(r.detail.find("retry 1/1"), std::string::npos) << r.detail;
    EXPECT_FALSE(r.ended_at.has_value());
    EXPECT_EQ(stored(d1).attempts, 1u);
    auto offers = commands(d1).size();
    advance(Millis(1000));
    EXPECT_EQ(commands(d1).size(), offers) << "offered again before the backoff passed";
    advance(Millis(1500));
    ASSERT_GT(commands(d1).size(), offers);
    EXPECT_TRUE(std::holds_alternative<OfferCmd>(commands(d1).back()));
    EXPECT_EQ(job_reports(d1).back().state, JobState::Requesting);  // asked again (R11); transferring once it answers
    // The second failure is the last allowed.
    device_event(d1, encode(ErrorEvent{"c1", main_v2.manifest.fw_id, "write_failure", "disk"}));
    r = job_reports(d1).back();
    EXPECT_EQ(r.state, JobState::Failed);
    EXPECT_NE(r.detail.find("after 1 retries"), std::string::npos) << r.detail;
    EXPECT_TRUE(r.ended_at.has_value());
}

TEST_F(Jobs, RestartWithoutPowerOnReportFailsAfterTimeout) {
    transferring(0);
    device_event(d1, encode(ProgressEvent{"c1", "restarting", 100}));
    advance(Millis(29000));
    EXPECT_EQ(job_reports(d1).back().state, JobState::Restarting);
    advance(Millis(3000));
    auto r = job_reports(d1).back();
    EXPECT_EQ(r.state, JobState::Failed);
    EXPECT_NE(r.detail.find("no_power_on"), std::string::npos) << r.detail;
}

TEST_F(Jobs, RejectedOfferIsNotRetried) {
    transferring(3);
    device_event(d1, encode(ErrorEvent{"c1", main_v2.manifest.fw_id, "rejected", "downgrade"}));
    EXPECT_EQ(job_reports(d1).back().state, JobState::Failed);
}

}  // namespace
}  // namespace fleetcast::gateway::testing
