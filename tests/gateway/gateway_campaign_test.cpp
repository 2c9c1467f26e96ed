// The manager's campaign-level pause, resume and cancel at the gateway
// (issue 16), driven with a ManualClock and a RecordingTransport.
#include <filesystem>

#include "common/topics.hpp"
#include "tests/gateway/gateway_fixture.hpp"

namespace fleetcast::gateway::testing {
namespace {

using namespace std::chrono_literals;

class CampaignCommand : public GatewayTest {
   protected:
    const std::string d1 = "A123-000001";
    const std::string d2 = "A123-000002";
    const std::string d3 = "A123-000003";
    void command(CampaignAction action, const std::string& request_id, const std::string& campaign = "c1") {
        deliver(*topics::gw_cmd(kGw), encode(GwCampaignCmd{campaign, action, request_id, "test"}));
    }
    std::vector<CampaignAckReport> acks() const {
        std::vector<CampaignAckReport> out;
        for (const auto& p : transport.on_topic(*topics::gw_report(kGw)))
            if (auto r = decode_gateway_report(p.payload))
                if (auto* a = std::get_if<CampaignAckReport>(&*r)) out.push_back(*a);
        return out;
    }
    std::string ready() const { return encode(ReadyEvent{"c1", {main_v2.manifest.fw_id}}); }
    std::string repair_topic(const std::string& device) const {
        return *topics::dev_chunk(kGw, device, main_v2.manifest.fw_id);
    }
};

TEST_F(CampaignCommand, PauseHoldsEveryJobNotYetWritingAndResumeOffersThemAgain) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1, d2, d3}));
    send_all_chunks(main_v2);
    device_event(d1, ready());
    device_event(d2, ready());
    device_event(d3, ready());
    device_event(d3, encode(ProgressEvent{"c1", "installing", 100}));
    ASSERT_EQ(stored_job(d1).state, JobState::Transferring);
    ASSERT_EQ(stored_job(d3).state, JobState::Installing);

    command(CampaignAction::Pause, "p-1");
    EXPECT_EQ(stored_job(d1).state, JobState::Waiting);
    EXPECT_TRUE(stored_job(d1).paused);
    EXPECT_FALSE(stored_job(d1).suspended) << "a pause is a hold of its own";
    EXPECT_EQ(count_commands<SuspendCmd>(d1), 1) << "the device in transfer holds what it has";
    EXPECT_EQ(stored_job(d3).state, JobState::Installing) << "too late: the image is being written";
    ASSERT_EQ(acks().size(), 1u);
    EXPECT_EQ(acks().back().request_id, "p-1");
    EXPECT_EQ(acks().back().jobs, 3u);

    transport.clear();
    device_event(d1, encode(NeedEvent{"c1", main_v2.manifest.fw_id, {{0, 9}}}));
    advance(2h);
    EXPECT_TRUE(chunk_indexes(repair_topic(d1)).empty()) << "repairs sent while paused";
    EXPECT_EQ(count_commands<OfferCmd>(d1), 0) << "offered while paused";

    command(CampaignAction::Pause, "p-1");  // redelivered: acknowledged again only
    EXPECT_EQ(acks().size(), 1u);
    EXPECT_EQ(counter("duplicate_request"), 1u);

    restart();  // the hold is stored
    EXPECT_TRUE(stored_job(d1).paused);
    advance(1s);
    EXPECT_EQ(count_commands<OfferCmd>(d1), 0) << "offered after a restart while paused";

    command(CampaignAction::Resume, "r-1");
    EXPECT_FALSE(stored_job(d1).paused);
    advance(1s);
    EXPECT_EQ(count_commands<OfferCmd>(d1), 1);
    EXPECT_EQ(count_commands<OfferCmd>(d2), 1);
    device_event(d1, ready());
    EXPECT_EQ(stored_job(d1).state, JobState::Transferring);
}

TEST_F(CampaignCommand, ASuspendOutlivesTheCampaignsResume) {
    send_schedule(make_schedule("c1", clock.now() + 1h, {&main_v2}, {d1}));
    deliver(*topics::gw_cmd(kGw), encode(GwSuspendCmd{"c1", d1, "s-1", true}));
    command(CampaignAction::Pause, "p-1");
    command(CampaignAction::Resume, "r-1");
    EXPECT_TRUE(stored_job(d1).suspended);
    EXPECT_FALSE(stored_job(d1).paused);
    send_all_chunks(main_v2);
    advance(2h);
    EXPECT_EQ(count_commands<OfferCmd>(d1), 0) << "the device's own suspend still holds";
}

TEST_F(CampaignCommand, CancelEndsJobsBeforeTheTransferAsksTheDeviceDuringItAndDropsTheImage) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1, d2, d3}));
    send_all_chunks(main_v2);
    device_event(d2, ready());
    device_event(d3, ready());
    device_event(d3, encode(ProgressEvent{"c1", "restarting", 100}));
    ASSERT_EQ(stored_job(d1).state, JobState::Requesting);
    ASSERT_EQ(stored_job(d2).state, JobState::Transferring);
    ASSERT_EQ(stored_job(d3).state, JobState::Restarting);
    const auto cached = dir / "cache" / (main_v2.manifest.fw_id + ".img");
    ASSERT_TRUE(std::filesystem::exists(cached));

    command(CampaignAction::Cancel, "x-1");
    EXPECT_EQ(stored_job(d1).state, JobState::Canceled);
    EXPECT_EQ(count_commands<CancelCmd>(d1), 1) << "a device answering the offer is told";
    EXPECT_EQ(stored_job(d2).state, JobState::Transferring) << "the device decides";
    EXPECT_EQ(stored_job(d2).cancel_pending, "operator");
    EXPECT_EQ(count_commands<CancelCmd>(d2), 1);
    EXPECT_EQ(stored_job(d3).state, JobState::Restarting) << "past the boot-pointer flip";
    EXPECT_FALSE(std::filesystem::exists(cached)) << "no other campaign needs the image";
    ASSERT_EQ(acks().size(), 1u);

    device_event(d2, encode(CanceledEvent{"c1", "x-1", "operator"}));
    EXPECT_EQ(stored_job(d2).state, JobState::Canceled);
    command(CampaignAction::Resume, "r-1");
    EXPECT_EQ(counter("campaign_command_refused"), 1u) << "a canceled campaign stays canceled";
    EXPECT_EQ(stored_job(d1).state, JobState::Canceled);
}

TEST_F(CampaignCommand, CancelKeepsAnImageAnotherCampaignStillNeeds) {
    send_schedule(make_schedule("c1", clock.now() + 1h, {&main_v2}, {d1}));
    send_schedule(make_schedule("c2", clock.now() + 1h, {&main_v2}, {d2}));
    send_all_chunks(main_v2);
    command(CampaignAction::Cancel, "x-1");
    EXPECT_EQ(stored_job(d1).state, JobState::Canceled);
    EXPECT_EQ(stored_job(d2).state, JobState::Waiting);
    EXPECT_TRUE(std::filesystem::exists(dir / "cache" / (main_v2.manifest.fw_id + ".img")));
}

TEST_F(CampaignCommand, JobsOfAScheduleThatArrivesAfterThePauseAreHeldToo) {
    command(CampaignAction::Pause, "p-1");
    ASSERT_EQ(acks().size(), 1u);
    EXPECT_EQ(acks().back().jobs, 0u);
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {d1}));
    send_all_chunks(main_v2);
    advance(1s);
    EXPECT_TRUE(stored_job(d1).paused);
    EXPECT_EQ(count_commands<OfferCmd>(d1), 0);
}

}  // namespace
}  // namespace fleetcast::gateway::testing
