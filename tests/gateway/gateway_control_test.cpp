// The handshake answer, busy/service-call checks, defer and cancel at the
// gateway (R11-R15), driven with a ManualClock and a RecordingTransport.
#include "common/topics.hpp"
#include "tests/gateway/gateway_fixture.hpp"

namespace fleetcast::gateway::testing {
namespace {

using namespace std::chrono_literals;

class Control : public GatewayTest {
   protected:
    const std::string d1 = "A123-000001";
    const std::string d2 = "A123-000002";
    void state_with(const std::string& device, DeviceStatus status, const std::string& activity,
                    const std::string& sc) {
        DeviceState s{device, kGw, "A123", status, {{"main", "1.0"}}, clock.now(), activity, sc, std::nullopt};
        deliver(*topics::dev_state(kGw, device), encode(s), true);
    }
    void due_and_cached(const std::vector<std::string>& devices) {
        send_schedule(make_schedule("c1", clock.now(), {&main_v2}, devices));
        send_all_chunks(main_v2);
    }
    int offers(const std::string& device) const { return count_commands<OfferCmd>(device); }
    template <typename T>
    int count(const std::string& device) const {
        return count_commands<T>(device);
    }
    JobRow job(const std::string& device) const { return stored_job(device); }
    void operator_cmd(const std::string& payload) { deliver(*topics::gw_cmd(kGw), payload); }
};

TEST_F(Control, BusyDeviceIsPushedBackByThePeriodAndOfferedWhenIdle) {
    state_with(d1, DeviceStatus::Busy, "printing", "");
    auto t0 = clock.now();
    due_and_cached({d1});
    EXPECT_EQ(offers(d1), 0);
    auto j = job(d1);
    EXPECT_EQ(j.state, JobState::Waiting);
    EXPECT_EQ(j.update_at, t0 + 20min);
    EXPECT_NE(j.comment.find("busy (printing)"), std::string::npos) << j.comment;
    EXPECT_NE(j.comment.find(" -> "), std::string::npos) << j.comment;
    ASSERT_TRUE(job_reports(d1).back().update_at);
    EXPECT_EQ(*job_reports(d1).back().update_at, t0 + 20min);

    state_with(d1, DeviceStatus::Idle, "", "");
    advance(19min);
    EXPECT_EQ(offers(d1), 0) << "offered before the moved update time";
    advance(1min);
    EXPECT_EQ(offers(d1), 1);
    EXPECT_EQ(job(d1).state, JobState::Requesting);
}

TEST_F(Control, ServiceCallTypeCDoesNotBlockButABAndDDo) {
    const std::string d3 = "A123-000003", d4 = "A123-000004";
    state_with(d1, DeviceStatus::Error, "", "C");
    state_with(d2, DeviceStatus::Error, "", "A");
    state_with(d3, DeviceStatus::Error, "", "B");
    state_with(d4, DeviceStatus::Error, "", "D");
    due_and_cached({d1, d2, d3, d4});
    EXPECT_EQ(offers(d1), 1);
    for (const auto& d : {d2, d3, d4}) {
        EXPECT_EQ(offers(d), 0) << d;
        EXPECT_EQ(job(d).state, JobState::Waiting) << d;
        EXPECT_NE(job(d).comment.find("service call type"), std::string::npos) << job(d).comment;
    }
}

TEST_F(Control, UnansweredRequestIsNoResponseAndRetriedAfterThePeriod) {
    due_and_cached({d1});
    ASSERT_EQ(offers(d1), 1);
    advance(11s);
    auto j = job(d1);
    EXPECT_EQ(j.state, JobState::Waiting);
    EXPECT_NE(j.comment.find("no response"), std::string::npos) << j.comment;
    advance(20min);
    EXPECT_EQ(offers(d1), 2);
}

TEST_F(Control, ADeviceThatWasGoneWhenOfferedIsOfferedAgainAsSoonAsItIsBackOnline) {
    state_with(d1, DeviceStatus::Idle, "", "");
    state_with(d2, DeviceStatus::Idle, "", "");
    due_and_cached({d1, d2});
    ASSERT_EQ(offers(d1), 1);
    ASSERT_EQ(offers(d2), 1);
    // d1 dropped off (its will) before answering; d2 is there but silent.
    state_with(d1, DeviceStatus::Offline, "", "");
    advance(11s);
    ASSERT_EQ(job(d1).state, JobState::Waiting);
    ASSERT_EQ(job(d1).comment.rfind("no response", 0), 0u) << job(d1).comment;
    ASSERT_EQ(job(d2).state, JobState::Waiting);
    advance(1min);
    state_with(d1, DeviceStatus::Idle, "", "");
    advance(1s);
    EXPECT_EQ(offers(d1), 2) << "offered again once back, not 20 min after the first offer";
    EXPECT_EQ(job(d1).state, JobState::Requesting);
    // d2 never went away: its no-response postponement stands (R11).
    EXPECT_EQ(offers(d2), 1);
    EXPECT_EQ(job(d2).state, JobState::Waiting);
}

TEST_F(Control, ADeviceBackOnlineKeepsItsDeferment) {
    state_with(d1, DeviceStatus::Idle, "", "");
    due_and_cached({d1});
    auto t0 = clock.now();
    device_event(d1, encode(DeferRequestEvent{"c1", "r-1", Millis(30min)}));
    ASSERT_GE(job(d1).update_at, t0 + 30min);
    state_with(d1, DeviceStatus::Offline, "", "");
    advance(1min);
    state_with(d1, DeviceStatus::Idle, "", "");
    advance(1s);
    EXPECT_EQ(offers(d1), 1) << "the user's deferment is not cut short by a reconnect";
    EXPECT_GE(job(d1).update_at, t0 + 30min);
}

TEST_F(Control, DeferredAnswerKeepsTheRequestOpenAndNothingIsSentBeforeReady) {
    due_and_cached({d1});
    auto until = clock.now() + 30s;
    device_event(d1, encode(DeferredEvent{"c1", until}));
    EXPECT_EQ(job(d1).update_at, until);
    advance(20s);  // past the answer timeout, before the deferment ends
    EXPECT_EQ(job(d1).state, JobState::Requesting);
    advance(5s);
    EXPECT_TRUE(chunk_indexes(*topics::site_model_chunk(kGw, "A123", main_v2.manifest.fw_id)).empty());
    device_event(d1, encode(ReadyEvent{"c1", {main_v2.manifest.fw_id}}));
    EXPECT_EQ(job(d1).state, JobState::Transferring);
    advance(1s);
    EXPECT_FALSE(chunk_indexes(*topics::site_model_chunk(kGw, "A123", main_v2.manifest.fw_id)).empty());
}

TEST_F(Control, DuplicateDeferHasNoExtraEffect) {
    auto t0 = clock.now();
    send_schedule(make_schedule("c1", t0 + 1h, {&main_v2}, {d1}));
    auto cmd = encode(GwDeferCmd{"c1", d1, "r-1", Millis(20min)});
    operator_cmd(cmd);
    operator_cmd(cmd);
    EXPECT_EQ(job(d1).update_at, t0 + 1h + 20min);
    EXPECT_EQ(counter("duplicate_request"), 1u);
    // The same id from the panel after a gateway restart is still a duplicate.
    restart();
    device_event(d1, encode(DeferRequestEvent{"c1", "r-1", Millis(20min)}));
    EXPECT_EQ(job(d1).update_at, t0 + 1h + 20min);
    device_event(d1, encode(DeferRequestEvent{"c1", "r-2", std::nullopt}));
    EXPECT_EQ(job(d1).update_at, t0 + 1h + 40min);
    EXPECT_NE(job(d1).comment.find("deferred by panel"), std::string::npos) << job(d1).comment;
}

TEST_F(Control, DeferOfARequestTellsTheDeviceToDropIt) {
    due_and_cached({d1});
    device_event(d1, encode(DeferredEvent{"c1", clock.now() + 30s}));
    operator_cmd(encode(GwDeferCmd{"c1", d1, "r-1", std::nullopt}));
    EXPECT_EQ(job(d1).state, JobState::Waiting);
    EXPECT_EQ(count<PostponeCmd>(d1), 1);
}

TEST_F(Control, CancelBeforeTransferIsImmediateDuringTransferWaitsForTheDevice) {
    due_and_cached({d1, d2});
    device_event(d2, encode(ReadyEvent{"c1", {main_v2.manifest.fw_id}}));
    ASSERT_EQ(job(d2).state, JobState::Transferring);

    operator_cmd(encode(GwCancelCmd{"c1", d1, "r-1"}));  // requesting: canceled at once, device told
    EXPECT_EQ(job(d1).state, JobState::Canceled);
    EXPECT_FALSE(job(d1).necessary);
    EXPECT_EQ(count<CancelCmd>(d1), 1);

    operator_cmd(encode(GwCancelCmd{"c1", d2, "r-2"}));  // transferring: the device decides
    EXPECT_EQ(job(d2).state, JobState::Transferring);
    EXPECT_EQ(job(d2).cancel_pending, "operator");
    EXPECT_EQ(count<CancelCmd>(d2), 1);
    operator_cmd(encode(GwCancelCmd{"c1", d2, "r-2"}));  // redelivered: nothing more
    EXPECT_EQ(count<CancelCmd>(d2), 1);
    device_event(d2, encode(CanceledEvent{"c1", "r-2", "operator"}));
    EXPECT_EQ(job(d2).state, JobState::Canceled);
    EXPECT_FALSE(job(d2).necessary);
    EXPECT_NE(job(d2).comment.find("during transfer"), std::string::npos) << job(d2).comment;
    EXPECT_EQ(job_reports(d2).back().state, JobState::Canceled);
}

TEST_F(Control, CancelAfterTheFlipIsRefusedAndTheJobCompletes) {
    due_and_cached({d1});
    device_event(d1, encode(ReadyEvent{"c1", {main_v2.manifest.fw_id}}));
    device_event(d1, encode(ProgressEvent{"c1", "restarting", 100}));
    operator_cmd(encode(GwCancelCmd{"c1", d1, "r-1"}));
    EXPECT_EQ(count<CancelCmd>(d1), 0);
    EXPECT_NE(job(d1).comment.find("refused"), std::string::npos) << job(d1).comment;
    device_event(d1, encode(PowerOnEvent{"c1", {{"main", "2.0"}}, 2, {{"main", main_v2.manifest.sha256}}}));
    EXPECT_EQ(job(d1).state, JobState::Completed);
}

TEST_F(Control, MalformedOrUnknownOperatorCommandsAreCounted) {
    send_schedule(make_schedule("c1", clock.now() + 1h, {&main_v2}, {d1}));
    auto before = counter("bad_input");
    operator_cmd("{not json");
    operator_cmd(R"({"type":"defer","campaign":"c1","device":"A123-000001","request_id":"r-1","by_ms":"soon"})");
    operator_cmd(R"({"type":"cancel","campaign":"c1","device":"A123-999999","request_id":"r-1"})");
    operator_cmd(R"({"type":"explode","campaign":"c1","device":"A123-000001","request_id":"r-1"})");
    EXPECT_EQ(counter("bad_input"), before + 4);
    EXPECT_EQ(job(d1).state, JobState::Waiting);
    EXPECT_EQ(job(d1).comment, "");
}

}  // namespace
}  // namespace fleetcast::gateway::testing
