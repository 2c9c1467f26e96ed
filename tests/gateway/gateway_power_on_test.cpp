// What a power-on report must prove before it completes a job (topics.md flow
// step 7): it follows this attempt's install, and every component booted the
// signed manifest's image (its SHA-256).
#include "common/topics.hpp"
#include "tests/gateway/gateway_fixture.hpp"

namespace fleetcast::gateway::testing {
namespace {

class PowerOn : public GatewayTest {
   protected:
    const std::string d1 = "A123-000001";
    void transferring(std::uint32_t max_retries = 0, std::uint64_t ready_boot_count = 1) {
        auto s = make_schedule("c1", clock.now(), {&main_v2}, {d1});
        s.retry.max_retries = max_retries;
        s.retry.backoff = Millis(2000);
        s.retry.power_on_timeout = Millis(30000);
        send_schedule(s);
        send_all_chunks(main_v2);
        device_event(d1, encode(ReadyEvent{"c1", {main_v2.manifest.fw_id}, ready_boot_count}));
        ASSERT_EQ(job_reports(d1).back().state, JobState::Transferring);
    }
    // What a device that booted `version` with the image hash `sha` reports.
    std::string power_on(const std::string& version, const std::string& sha, std::uint64_t boot_count) const {
        PowerOnEvent e{"c1", {{"main", version}}, boot_count};
        if (!sha.empty()) e.image_sha256["main"] = sha;
        return encode(e);
    }
    const std::string other_sha = std::string(64, 'e');
};

TEST_F(PowerOn, PowerOnDuringTransferDoesNotCompleteTheJob) {
    transferring();
    device_event(d1, encode(ProgressEvent{"c1", "receiving", 30}));
    auto reports = job_reports(d1).size();
    // Same boot as the ready, no install seen: even the right hash proves nothing.
    device_event(d1, power_on("2.0", main_v2.manifest.sha256, 1));
    device_event(d1, power_on("2.0", "", 1));
    device_event(d1, power_on("1.0", "", 1));
    EXPECT_EQ(job_reports(d1).size(), reports) << "the job did not change";
    EXPECT_EQ(stored_job(d1).state, JobState::Transferring);
    EXPECT_EQ(counter("power_on_refused"), 3u);
    EXPECT_EQ(gw->process_state(true).counters.at("power_on_refused"), 3u);
    // The transfer goes on and a later cancel still cancels it (R15).
    deliver(*topics::gw_cmd(kGw), encode(GwCancelCmd{"c1", d1, "r-1"}));
    EXPECT_EQ(count_commands<CancelCmd>(d1), 1);
    device_event(d1, encode(CanceledEvent{"c1", "r-1", "operator"}));
    EXPECT_EQ(job_reports(d1).back().state, JobState::Canceled);
}

TEST_F(PowerOn, DeviceIdleDuringItsTransferIsOfferedAgainAndItsRepeatedPowerOnCompletesTheJob) {
    device_state(d1, "A123", {{"main", "1.0"}});
    transferring();
    device_state(d1, "A123", {{"main", "1.0"}}, DeviceStatus::Updating);
    const int offers = count_commands<OfferCmd>(d1);
    // The device installed and rebooted, but its progress and power_on were
    // lost (a broker restart before the gateway subscribed again): only its
    // retained state says it is idle on 2.0 now.
    device_state(d1, "A123", {{"main", "2.0"}}, DeviceStatus::Idle);
    advance(Millis(100));
    EXPECT_EQ(count_commands<OfferCmd>(d1), offers + 1) << "the transfer is offered again";
    // An offer of what it has installed already: the device says again what it booted.
    device_event(d1, power_on("2.0", main_v2.manifest.sha256, 2));
    EXPECT_EQ(job_reports(d1).back().state, JobState::Completed);
    device_state(d1, "A123", {{"main", "2.0"}}, DeviceStatus::Updating);
    device_state(d1, "A123", {{"main", "2.0"}}, DeviceStatus::Idle);
    advance(Millis(100));
    EXPECT_EQ(count_commands<OfferCmd>(d1), offers + 1) << "an ended job is never offered again";
}

TEST_F(PowerOn, PowerOnAfterInstallingWithTheManifestsShaCompletes) {
    transferring();
    device_event(d1, encode(ProgressEvent{"c1", "installing", 100}));
    ASSERT_EQ(job_reports(d1).back().state, JobState::Installing);
    EXPECT_TRUE(stored_job(d1).install_seen);
    device_event(d1, power_on("2.0", main_v2.manifest.sha256, 2));
    auto r = job_reports(d1).back();
    EXPECT_EQ(r.state, JobState::Completed);
    EXPECT_EQ(r.firmware.at("main"), "2.0");
    EXPECT_EQ(counter("power_on_refused"), 0u);
}

TEST_F(PowerOn, PowerOnAfterInstallWithoutImageHashIsRefused) {
    transferring();
    device_event(d1, encode(ProgressEvent{"c1", "restarting", 100}));
    device_event(d1, power_on("2.0", "", 2));
    EXPECT_EQ(job_reports(d1).back().state, JobState::Restarting);
    EXPECT_EQ(counter("power_on_refused"), 1u);
    // The power-on timeout still runs: a refused report does not disarm it.
    advance(Millis(31000));
    EXPECT_EQ(job_reports(d1).back().state, JobState::Failed);
    EXPECT_NE(job_reports(d1).back().detail.find("no_power_on"), std::string::npos);
}

TEST_F(PowerOn, PowerOnAfterInstallWithAnotherShaFailsTheAttemptAsBootFailed) {
    transferring(1);
    device_event(d1, encode(ProgressEvent{"c1", "restarting", 100}));
    device_event(d1, power_on("2.0", other_sha, 2));
    auto r = job_reports(d1).back();
    EXPECT_EQ(r.state, JobState::Waiting);
    EXPECT_EQ(r.detail.rfind("boot_failed: ", 0), 0u) << r.detail;
    EXPECT_NE(r.detail.find("signed manifest"), std::string::npos) << r.detail;
    EXPECT_NE(r.detail.find("retry 1/1"), std::string::npos) << r.detail;
    EXPECT_EQ(counter("power_on_refused"), 0u);
}

TEST_F(PowerOn, BootCountPastTheReadysProvesTheInstallWithoutProgress) {
    transferring(0, 4);
    // The installing/restarting progress was lost; the device booted again since its ready.
    device_event(d1, power_on("2.0", main_v2.manifest.sha256, 5));
    EXPECT_EQ(job_reports(d1).back().state, JobState::Completed);
}

TEST_F(PowerOn, LateProvenReportAfterAGivenUpAttemptCompletes) {
    transferring(2);
    device_event(d1, encode(ProgressEvent{"c1", "restarting", 100}));
    advance(Millis(31000));  // no power_on in time: the attempt is given up on
    ASSERT_EQ(job_reports(d1).back().state, JobState::Waiting);
    ASSERT_TRUE(stored_job(d1).install_seen);
    restart();  // what proves the install survives a gateway restart
    device_event(d1, power_on("2.0", main_v2.manifest.sha256, 2));
    auto r = job_reports(d1).back();
    EXPECT_EQ(r.state, JobState::Completed);
    EXPECT_EQ(stored_job(d1).state, JobState::Completed);
}

TEST_F(PowerOn, LateReportWithoutTheManifestsShaAfterAGivenUpAttemptIsRefused) {
    transferring(2);
    device_event(d1, encode(ProgressEvent{"c1", "restarting", 100}));
    advance(Millis(31000));
    ASSERT_EQ(job_reports(d1).back().state, JobState::Waiting);
    auto reports = job_reports(d1).size();
    device_event(d1, power_on("2.0", "", 2));
    EXPECT_EQ(job_reports(d1).size(), reports);
    EXPECT_EQ(counter("power_on_refused"), 1u);
}

TEST_F(PowerOn, ANewTransferForgetsTheInstallOfTheGivenUpAttempt) {
    transferring(2, 1);
    device_event(d1, encode(ProgressEvent{"c1", "restarting", 100}));
    advance(Millis(31000));
    ASSERT_EQ(job_reports(d1).back().state, JobState::Waiting);
    advance(Millis(2500));  // the retry's offer
    ASSERT_EQ(job_reports(d1).back().state, JobState::Requesting);
    // The device answers ready: it receives again, so it had not installed.
    device_event(d1, encode(ReadyEvent{"c1", {main_v2.manifest.fw_id}, 3}));
    ASSERT_EQ(job_reports(d1).back().state, JobState::Transferring);
    EXPECT_FALSE(stored_job(d1).install_seen);
    EXPECT_EQ(stored_job(d1).ready_boot_count, 3u);
    device_event(d1, power_on("2.0", main_v2.manifest.sha256, 3));
    EXPECT_EQ(job_reports(d1).back().state, JobState::Transferring);
    EXPECT_EQ(counter("power_on_refused"), 1u);
}

}  // namespace
}  // namespace fleetcast::gateway::testing
