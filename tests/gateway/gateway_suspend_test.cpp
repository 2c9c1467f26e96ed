// The operator's suspend and resume of one device's update at the gateway
// (R19), driven with a ManualClock and a RecordingTransport.
#include "common/topics.hpp"
#include "tests/gateway/gateway_fixture.hpp"

namespace fleetcast::gateway::testing {
namespace {

using namespace std::chrono_literals;

class Suspend : public GatewayTest {
   protected:
    const std::string d1 = "A123-000001";
    const std::string d2 = "A123-000002";
    template <typename T>
    int count(const std::string& device) const {
        return count_commands<T>(device);
    }
    JobRow job(const std::string& device) const { return stored_job(device); }
    void op(const std::string& device, const std::string& request_id, bool suspend) {
        deliver(*topics::gw_cmd(kGw), encode(GwSuspendCmd{"c1", device, request_id, suspend}));
    }
    std::string ready() const { return encode(ReadyEvent{"c1", {main_v2.manifest.fw_id}}); }
    std::string repair_topic(const std::string& device) const {
        return *topics::dev_chunk(kGw, device, main_v2.manifest.fw_id);
    }
};

TEST_F(Suspend, SuspendedJobIsNotOfferedUntilResumed) {
    auto t0 = clock.now();
    send_schedule(make_schedule("c1", t0 + 1h, {&main_v2}, {d1}));
    send_all_chunks(main_v2);
    op(d1, "r-1", true);
    EXPECT_TRUE(job(d1).suspended);
    EXPECT_NE(job(d1).comment.find("suspended by operator"), std::string::npos) << job(d1).comment;
    EXPECT_TRUE(job_reports(d1).back().suspended) << "the manager is told";

    advance(2h);
    EXPECT_EQ(count<OfferCmd>(d1), 0) << "offered while suspended";
    EXPECT_EQ(job(d1).state, JobState::Waiting);

    op(d1, "r-2", false);
    EXPECT_FALSE(job(d1).suspended);
    EXPECT_FALSE(job_reports(d1).back().suspended);
    advance(1s);
    EXPECT_EQ(count<OfferCmd>(d1), 1);
    EXPECT_EQ(job(d1).state, JobState::Requesting);
}

TEST_F(Suspend, SuspendDuringTransferStopsSendingAndResumeSendsOnlyWhatIsMissing) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1, d2}));
    send_all_chunks(main_v2);
    device_event(d1, ready());
    device_event(d2, ready());
    ASSERT_EQ(job(d1).state, JobState::Transferring);
    advance(1s);  // the fan-out runs

    op(d1, "r-1", true);
    EXPECT_EQ(job(d1).state, JobState::Waiting);
    EXPECT_TRUE(job(d1).suspended);
    EXPECT_EQ(count<SuspendCmd>(d1), 1) << "the device stops receiving";
    EXPECT_EQ(job(d2).state, JobState::Transferring) << "the other device goes on";

    transport.clear();
    device_event(d1, encode(NeedEvent{"c1", main_v2.manifest.fw_id, {{0, 9}}}));
    advance(1s);
    EXPECT_TRUE(chunk_indexes(repair_topic(d1)).empty()) << "repairs sent to a suspended device";
    device_event(d1, ready());
    EXPECT_EQ(job(d1).state, JobState::Waiting) << "a late ready does not restart the transfer";

    op(d1, "r-2", false);
    advance(1s);
    ASSERT_EQ(count<OfferCmd>(d1), 1) << "offered again after the resume";
    device_event(d1, ready());
    EXPECT_EQ(job(d1).state, JobState::Transferring);
    EXPECT_EQ(count<FanoutDoneCmd>(d1), 1) << "the fan-out is over: the device asks for what it lacks";
    device_event(d1, encode(NeedEvent{"c1", main_v2.manifest.fw_id, {{6, 9}}}));
    EXPECT_EQ(chunk_indexes(repair_topic(d1)), (std::vector<std::uint32_t>{6, 7, 8, 9}));
}

TEST_F(Suspend, FanoutNobodyListensToStopsAtTheSuspend) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1}));
    send_all_chunks(main_v2);
    auto model_topic = *topics::site_model_chunk(kGw, "A123", main_v2.manifest.fw_id);
    transport.held_in_flight = 1000;  // a full window: the fan-out starts but cannot send yet
    device_event(d1, ready());
    advance(1s);
    ASSERT_TRUE(chunk_indexes(model_topic).empty());

    op(d1, "r-1", true);
    transport.held_in_flight = 0;
    advance(1s);
    EXPECT_TRUE(chunk_indexes(model_topic).empty()) << "the image went out to nobody";
}

TEST_F(Suspend, SuspendSurvivesAGatewayRestart) {
    auto t0 = clock.now();
    send_schedule(make_schedule("c1", t0 + 1h, {&main_v2}, {d1}));
    send_all_chunks(main_v2);
    op(d1, "r-1", true);
    restart();
    advance(2h);
    EXPECT_EQ(count<OfferCmd>(d1), 0);
    EXPECT_TRUE(job(d1).suspended);
    op(d1, "r-1", false);  // the same request id again: a duplicate, no effect
    EXPECT_TRUE(job(d1).suspended);
    EXPECT_EQ(counter("duplicate_request"), 1u);
}

TEST_F(Suspend, SuspendWhileTheImageIsWrittenIsRefused) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1}));
    send_all_chunks(main_v2);
    device_event(d1, ready());
    device_event(d1, encode(ProgressEvent{"c1", "installing", 100}));
    ASSERT_EQ(job(d1).state, JobState::Installing);
    op(d1, "r-1", true);
    EXPECT_EQ(job(d1).state, JobState::Installing);
    EXPECT_FALSE(job(d1).suspended);
    EXPECT_EQ(count<SuspendCmd>(d1), 0);
}

}  // namespace
}  // namespace fleetcast::gateway::testing
