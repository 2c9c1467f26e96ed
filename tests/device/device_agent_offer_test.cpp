// Power-on announcement and the offer handshake.
#include "tests/device/device_agent_fixture.hpp"

namespace fleetcast::device::testing {
namespace {

TEST_F(DeviceAgentTest, FirstStartCreatesFactoryStateAndAnnouncesPowerOn) {
    auto agent = start_agent();
    ASSERT_EQ(states().size(), 1u);
    EXPECT_EQ(states()[0].status, DeviceStatus::Idle);
    EXPECT_EQ(states()[0].firmware, (Versions{{"main", "1.0"}}));
    auto power_on = events_of<PowerOnEvent>();
    ASSERT_EQ(power_on.size(), 1u);
    EXPECT_EQ(power_on[0].campaign, "");
    EXPECT_EQ(power_on[0].boot_count, 1u);
    EXPECT_EQ(power_on[0].firmware, (Versions{{"main", "1.0"}}));
    EXPECT_TRUE(transport.subscriptions.count(*topics::dev_cmd("gw1", "A123-000001")));
    EXPECT_TRUE(transport.subscriptions.count(*topics::dev_chunk_filter("gw1", "A123-000001")));
    EXPECT_EQ(slot_file("main", Slot::A).size(), 4096u);
}

TEST_F(DeviceAgentTest, EveryStartCountsABoot) {
    start_agent();
    start_agent();
    auto power_on = events_of<PowerOnEvent>();
    ASSERT_EQ(power_on.size(), 2u);
    EXPECT_EQ(power_on[1].boot_count, 2u);
}

TEST_F(DeviceAgentTest, OfferSubscribesToFanoutAndAnswersReady) {
    auto agent = start_agent();
    auto img = make_image("A123", "main", "2.0", 5000);
    offer(*agent, "c1", {&img});
    EXPECT_TRUE(transport.subscriptions.count(*topics::site_model_chunk("gw1", "A123", img.manifest.fw_id)));
    auto ready = events_of<ReadyEvent>();
    ASSERT_EQ(ready.size(), 1u);
    EXPECT_EQ(ready[0].campaign, "c1");
    EXPECT_EQ(ready[0].fw_ids, std::vector<std::string>{img.manifest.fw_id});
    EXPECT_EQ(states().back().status, DeviceStatus::Updating);
    // Persisted before answering, so a restart resumes it.
    auto saved = decode_nv_state(state_file());
    ASSERT_TRUE(saved.ok());
    ASSERT_TRUE(saved->update.has_value());
    EXPECT_EQ(saved->update->campaign, "c1");
}

TEST_F(DeviceAgentTest, DuplicateOfferAnswersReadyAgainAndKeepsReceivedChunks) {
    auto agent = start_agent();
    auto img = make_image("A123", "main", "2.0", 10 * 1024);
    offer(*agent, "c1", {&img});
    fanout(*agent, img, 0, 4);
    offer(*agent, "c1", {&img});
    EXPECT_EQ(events_of<ReadyEvent>().size(), 2u);
    fanout_done(*agent, FanoutDoneCmd{"c1", img.manifest.fw_id, img.manifest.chunk_count});
    auto need = events_of<NeedEvent>();
    ASSERT_EQ(need.size(), 1u);
    EXPECT_EQ(need[0].ranges, (std::vector<ChunkRange>{{5, 9}}));
}

TEST_F(DeviceAgentTest, OfferForOtherModelIsRejected) {
    auto agent = start_agent();
    auto before = state_file();
    auto img = make_image("B9", "main", "2.0", 5000);
    offer(*agent, "c1", {&img});
    auto errors = events_of<ErrorEvent>();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].code, "rejected");
    EXPECT_EQ(errors[0].campaign, "c1");
    EXPECT_EQ(errors[0].fw_id, img.manifest.fw_id);
    EXPECT_TRUE(events_of<ReadyEvent>().empty());
    EXPECT_FALSE(transport.subscriptions.count(*topics::site_model_chunk("gw1", "B9", img.manifest.fw_id)));
    EXPECT_FALSE(agent->updating());
    EXPECT_EQ(state_file(), before);
}

TEST_F(DeviceAgentTest, DowngradeIsRejectedUnlessAllowed) {
    auto c = config();
    c.initial_firmware = {{"main", "2.0"}};
    auto agent = start_agent(c);
    auto older = make_image("A123", "main", "1.10", 5000);
    offer(*agent, "c1", {&older});
    auto errors = events_of<ErrorEvent>();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].code, "rejected");
    EXPECT_FALSE(agent->updating());

    older.manifest.allow_downgrade = true;
    fleetcast::testing::resign_for_test(older.manifest);
    offer(*agent, "c2", {&older});
    auto ready = events_of<ReadyEvent>();
    ASSERT_EQ(ready.size(), 1u);
    EXPECT_EQ(ready[0].campaign, "c2");
}

TEST_F(DeviceAgentTest, OfferOfInstalledVersionsRepeatsPowerOnWithCampaign) {
    auto agent = start_agent();
    auto same = make_image("A123", "main", "1.0", 5000);
    offer(*agent, "c1", {&same});
    auto power_on = events_of<PowerOnEvent>();
    ASSERT_EQ(power_on.size(), 2u);
    EXPECT_EQ(power_on[1].campaign, "c1");
    EXPECT_EQ(power_on[1].firmware, (Versions{{"main", "1.0"}}));
    EXPECT_TRUE(events_of<ReadyEvent>().empty());
    EXPECT_FALSE(agent->updating());
}

TEST_F(DeviceAgentTest, ManifestWhoseIdIsNotItsHashIsRejected) {
    auto agent = start_agent();
    auto img = make_image("A123", "main", "2.0", 5000);
    img.manifest.fw_id = "0000000000000000";
    offer(*agent, "c1", {&img});
    auto errors = events_of<ErrorEvent>();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].code, "bad_manifest");
    EXPECT_FALSE(agent->updating());
}

}  // namespace
}  // namespace fleetcast::device::testing
