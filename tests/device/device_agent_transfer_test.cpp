// Receiving chunks, asking for missing ones, verifying and the boot pointer flip.
#include "tests/device/device_agent_fixture.hpp"

namespace fleetcast::device::testing {
namespace {

std::uint32_t chunks_in(const std::vector<ChunkRange>& ranges) {
    std::uint32_t n = 0;
    for (const auto& r : ranges) n += r.last - r.first + 1;
    return n;
}

TEST_F(DeviceAgentTest, ChunksStreamToInactiveSlotAndFlipAfterVerify) {
    auto agent = start_agent();
    auto factory = slot_file("main", Slot::A);
    auto img = make_image("A123", "main", "2.0", 20 * 1024 + 77);
    offer(*agent, "c1", {&img});
    fanout_all(*agent, img);

    ASSERT_TRUE(agent->restart_requested());
    EXPECT_EQ(slot_file("main", Slot::B), img.bytes);
    EXPECT_EQ(slot_file("main", Slot::A), factory);
    auto saved = decode_nv_state(state_file());
    ASSERT_TRUE(saved.ok());
    EXPECT_EQ(saved->components.at("main").active, Slot::B);
    EXPECT_EQ(saved->components.at("main").version, "2.0");
    EXPECT_EQ(saved->components.at("main").sha256, img.manifest.sha256);
    EXPECT_EQ(saved->pending_campaign, "c1");
    EXPECT_FALSE(saved->update.has_value());
    EXPECT_FALSE(transport.subscriptions.count(*topics::site_model_chunk("gw1", "A123", img.manifest.fw_id)));
    std::vector<std::string> phases;
    for (const auto& p : events_of<ProgressEvent>()) phases.push_back(p.phase + ":" + std::to_string(p.percent));
    EXPECT_EQ(phases.front(), "receiving:10");
    EXPECT_EQ(phases.back(), "restarting:100");
    EXPECT_NE(std::find(phases.begin(), phases.end(), "installing:100"), phases.end());

    // The restart: a fresh agent on the same folder, as at power-on.
    agent.reset();
    transport.clear();
    auto rebooted = start_agent();
    auto power_on = events_of<PowerOnEvent>();
    ASSERT_EQ(power_on.size(), 1u);
    EXPECT_EQ(power_on[0].campaign, "c1");
    EXPECT_EQ(power_on[0].firmware, (Versions{{"main", "2.0"}}));
    EXPECT_EQ(power_on[0].boot_count, 2u);
    EXPECT_EQ(states().back().status, DeviceStatus::Idle);
    // Reported once: the next boot has no campaign.
    transport.clear();
    rebooted.reset();
    start_agent();
    EXPECT_EQ(events_of<PowerOnEvent>().at(0).campaign, "");
}

// The gateway completes the job only when the booted image is the signed
// manifest's (topics.md flow step 7): the power_on names each active slot's
// SHA-256, as computed when the image was verified before the flip.
TEST_F(DeviceAgentTest, PowerOnCarriesTheBootedImagesSha256) {
    auto agent = start_agent();
    EXPECT_EQ(events_of<PowerOnEvent>().at(0).image_sha256.at("main"), to_hex(sha256(slot_file("main", Slot::A))))
        << "the factory image's hash";
    auto img = make_image("A123", "main", "2.0", 9 * 1024 + 5);
    offer(*agent, "c1", {&img});
    ASSERT_EQ(events_of<ReadyEvent>().at(0).boot_count, 1u);
    // Out of order: the slot file is re-read (streamed) to verify it.
    fanout(*agent, img, 5, img.manifest.chunk_count - 1);
    fanout(*agent, img, 0, 4);
    ASSERT_TRUE(agent->restart_requested());
    EXPECT_EQ(agent->state().components.at("main").sha256, img.manifest.sha256);

    agent.reset();
    transport.clear();
    start_agent();
    auto power_on = events_of<PowerOnEvent>();
    ASSERT_EQ(power_on.size(), 1u);
    EXPECT_EQ(power_on[0].campaign, "c1");
    EXPECT_EQ(power_on[0].boot_count, 2u);
    EXPECT_EQ(power_on[0].image_sha256, (ImageHashes{{"main", img.manifest.sha256}}));
    EXPECT_EQ(to_hex(sha256(slot_file("main", Slot::B))), img.manifest.sha256);
}

TEST_F(DeviceAgentTest, PowerOnAfterARollbackCarriesTheOldImagesSha256) {
    auto c = config();
    c.boot_health.fail_first_boot = {{"main", "2.0"}};
    auto agent = start_agent(c);
    const auto factory_sha = to_hex(sha256(slot_file("main", Slot::A)));
    auto img = make_image("A123", "main", "2.0", 4 * 1024);
    offer(*agent, "c1", {&img});
    fanout_all(*agent, img);
    ASSERT_TRUE(agent->restart_requested());
    agent.reset();
    transport.clear();
    start_agent(c);
    auto power_on = events_of<PowerOnEvent>();
    ASSERT_EQ(power_on.size(), 1u);
    EXPECT_EQ(power_on[0].firmware, (Versions{{"main", "1.0"}}));
    EXPECT_EQ(power_on[0].image_sha256, (ImageHashes{{"main", factory_sha}}));
}

TEST_F(DeviceAgentTest, NextUpdateGoesToTheOtherSlot) {
    auto agent = start_agent();
    auto v2 = make_image("A123", "main", "2.0", 3000, 1024, 2);
    offer(*agent, "c1", {&v2});
    fanout_all(*agent, v2);
    agent.reset();
    agent = start_agent();
    auto v3 = make_image("A123", "main", "3.0", 3000, 1024, 3);
    offer(*agent, "c2", {&v3});
    fanout_all(*agent, v3);
    ASSERT_TRUE(agent->restart_requested());
    EXPECT_EQ(slot_file("main", Slot::A), v3.bytes);
    EXPECT_EQ(slot_file("main", Slot::B), v2.bytes);
    EXPECT_EQ(agent->state().components.at("main").active, Slot::A);
}

TEST_F(DeviceAgentTest, CorruptChunkIsRejectedAndNotWritten) {
    auto agent = start_agent();
    auto img = make_image("A123", "main", "2.0", 10 * 1024);
    offer(*agent, "c1", {&img});
    auto topic = *topics::site_model_chunk("gw1", "A123", img.manifest.fw_id);
    auto corrupt = chunk_of(img, 3);
    corrupt[kChunkHeaderSize + 10] ^= 0x5a;
    deliver(*agent, topic, corrupt);
    deliver(*agent, topic, chunk_of(img, 4).substr(0, 100));                     // truncated
    deliver(*agent, topic, encode_chunk(5, img.manifest.chunk_count + 1, "x"));  // wrong count
    deliver(*agent, topic, encode_chunk(6, img.manifest.chunk_count, "short"));  // wrong length
    EXPECT_EQ(counters.get("bad_chunk"), 4u);
    fanout(*agent, img, 0, 2);
    fanout(*agent, img, 4, 9);
    EXPECT_FALSE(agent->restart_requested());
    fanout_done(*agent, FanoutDoneCmd{"c1", img.manifest.fw_id, img.manifest.chunk_count});
    auto need = events_of<NeedEvent>();
    ASSERT_EQ(need.size(), 1u);
    EXPECT_EQ(need[0].ranges, (std::vector<ChunkRange>{{3, 3}}));
    // Chunk 3's bytes on disk are still untouched (zero) in the inactive slot.
    auto partial = slot_file("main", Slot::B);
    EXPECT_EQ(partial.substr(3 * 1024, 1024), std::string(1024, '\0'));

    fanout(*agent, img, 3, 3);  // the repair
    ASSERT_TRUE(agent->restart_requested());
    EXPECT_EQ(slot_file("main", Slot::B), img.bytes);
}

TEST_F(DeviceAgentTest, WholeImageChecksumMismatchKeepsOldFirmware) {
    auto agent = start_agent();
    auto before = decode_nv_state(state_file());
    auto img = make_image("A123", "main", "2.0", 8 * 1024);
    // Chunks are individually valid, but the manifest describes other bytes.
    auto claimed = make_image("A123", "main", "2.0", 8 * 1024, 1024, 99);
    img.manifest.sha256 = claimed.manifest.sha256;
    img.manifest.fw_id = claimed.manifest.fw_id;
    fleetcast::testing::resign_for_test(img.manifest);  // a manager bug, not a forgery
    offer(*agent, "c1", {&img});
    fanout_all(*agent, img);

    EXPECT_FALSE(agent->restart_requested());
    auto errors = events_of<ErrorEvent>();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].code, "checksum");
    EXPECT_EQ(errors[0].fw_id, img.manifest.fw_id);
    auto after = decode_nv_state(state_file());
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(after->components.at("main").active, Slot::A);
    EXPECT_EQ(after->components.at("main").version, "1.0");
    EXPECT_EQ(after->components.at("main").sha256, before->components.at("main").sha256);
    EXPECT_TRUE(after->pending_campaign.empty());
    // The image starts over: every chunk is asked for again.
    auto need = events_of<NeedEvent>();
    ASSERT_EQ(need.size(), 1u);
    EXPECT_EQ(need[0].ranges, (std::vector<ChunkRange>{{0, 7}}));
    EXPECT_TRUE(agent->updating());
}

TEST_F(DeviceAgentTest, RestartMidTransferResumesMissingChunksOnly) {
    auto agent = start_agent();
    auto img = make_image("A123", "main", "2.0", 80 * 1024);
    offer(*agent, "c1", {&img});
    fanout(*agent, img, 0, 39);
    agent.reset();  // power cycle mid-transfer
    transport.clear();

    auto resumed = start_agent();
    EXPECT_TRUE(resumed->updating());
    EXPECT_TRUE(transport.subscriptions.count(*topics::site_model_chunk("gw1", "A123", img.manifest.fw_id)));
    ASSERT_EQ(events_of<ReadyEvent>().size(), 1u);
    EXPECT_EQ(states().back().status, DeviceStatus::Updating);
    fanout_done(*resumed, FanoutDoneCmd{"c1", img.manifest.fw_id, img.manifest.chunk_count});
    auto need = events_of<NeedEvent>();
    ASSERT_EQ(need.size(), 1u);
    EXPECT_EQ(need[0].ranges, (std::vector<ChunkRange>{{40, 79}}));
    fanout(*resumed, img, 40, 79);
    ASSERT_TRUE(resumed->restart_requested());
    EXPECT_EQ(slot_file("main", Slot::B), img.bytes);
}

TEST_F(DeviceAgentTest, SuspendStopsReceivingAndTheNextOfferResumesFromTheChunksKept) {
    auto agent = start_agent();
    auto img = make_image("A123", "main", "2.0", 80 * 1024);
    const auto model_topic = *topics::site_model_chunk("gw1", "A123", img.manifest.fw_id);
    offer(*agent, "c1", {&img});
    fanout(*agent, img, 0, 29);
    command(*agent, encode(SuspendCmd{"c1", "r-1"}));
    EXPECT_FALSE(agent->updating());
    EXPECT_EQ(agent->state().held_campaign, "c1");
    agent->tick();  // the panel's view says why nothing happens
    auto view = read_file(dir / "panel" / "view.json");
    ASSERT_TRUE(view);
    EXPECT_NE(view->find("\"screen\":\"suspended\""), std::string::npos) << *view;
    EXPECT_FALSE(transport.subscriptions.count(model_topic)) << "still listening to the fan-out";
    EXPECT_EQ(agent->state().components.at("main").version, "1.0");
    fanout(*agent, img, 30, 35);  // chunks still in flight are not written
    EXPECT_EQ(counters.get("stale_chunk"), 6u);
    command(*agent, encode(SuspendCmd{"c1", "r-1"}));  // nothing left to suspend
    EXPECT_EQ(counters.get("stale_command"), 1u);

    transport.clear();
    offer(*agent, "c1", {&img});  // after the operator's resume
    ASSERT_TRUE(agent->updating());
    EXPECT_TRUE(agent->state().held_campaign.empty());
    fanout_done(*agent, FanoutDoneCmd{"c1", img.manifest.fw_id, img.manifest.chunk_count});
    auto need = events_of<NeedEvent>();
    ASSERT_EQ(need.size(), 1u);
    EXPECT_EQ(need[0].ranges, (std::vector<ChunkRange>{{30, 79}})) << "chunks received before the suspend asked again";
    fanout(*agent, img, 30, 79);
    ASSERT_TRUE(agent->restart_requested());
    EXPECT_EQ(slot_file("main", Slot::B), img.bytes);
}

TEST_F(DeviceAgentTest, SeveralComponentsFlipTogether) {
    auto c = config();
    c.initial_firmware = {{"main", "1.0"}, {"controller", "3.1"}, {"df", "1.0"}};
    auto agent = start_agent(c);
    auto main = make_image("A123", "main", "2.0", 6000, 1024, 1);
    auto controller = make_image("A123", "controller", "3.2", 9000, 1024, 2);
    offer(*agent, "c1", {&main, &controller});
    ASSERT_EQ(events_of<ReadyEvent>().at(0).fw_ids.size(), 2u);
    fanout_all(*agent, main);
    // One image complete changes nothing that boots.
    EXPECT_FALSE(agent->restart_requested());
    auto mid = decode_nv_state(state_file());
    EXPECT_EQ(mid->components.at("main").version, "1.0");
    EXPECT_EQ(mid->components.at("main").active, Slot::A);
    fanout_all(*agent, controller);
    ASSERT_TRUE(agent->restart_requested());
    auto saved = decode_nv_state(state_file());
    EXPECT_EQ(saved->components.at("main").active, Slot::B);
    EXPECT_EQ(saved->components.at("controller").active, Slot::B);
    EXPECT_EQ(saved->components.at("df").active, Slot::A);
    EXPECT_EQ(slot_file("controller", Slot::B), controller.bytes);

    agent.reset();
    transport.clear();
    start_agent(c);
    auto power_on = events_of<PowerOnEvent>();
    ASSERT_EQ(power_on.size(), 1u);
    EXPECT_EQ(power_on[0].firmware, (Versions{{"controller", "3.2"}, {"df", "1.0"}, {"main", "2.0"}}));
}

TEST_F(DeviceAgentTest, NoProgressTimeoutReasksForMissingChunks) {
    auto agent = start_agent();
    auto img = make_image("A123", "main", "2.0", 10 * 1024);
    offer(*agent, "c1", {&img});
    fanout(*agent, img, 0, 4);
    clock.advance(std::chrono::milliseconds(2900));
    agent->tick();
    EXPECT_TRUE(events_of<NeedEvent>().empty());
    clock.advance(std::chrono::milliseconds(200));
    agent->tick();
    ASSERT_EQ(events_of<NeedEvent>().size(), 1u);
    EXPECT_EQ(events_of<NeedEvent>()[0].ranges, (std::vector<ChunkRange>{{5, 9}}));
    clock.advance(std::chrono::seconds(3));
    agent->tick();
    EXPECT_EQ(events_of<NeedEvent>().size(), 2u);
}

TEST_F(DeviceAgentTest, NeedAsksForAtMost256ChunksAndTheNextBatchWhenAnswered) {
    auto agent = start_agent();
    auto img = make_image("A123", "main", "2.0", 600 * 1024);
    offer(*agent, "c1", {&img});
    fanout_done(*agent, FanoutDoneCmd{"c1", img.manifest.fw_id, img.manifest.chunk_count});
    auto need = events_of<NeedEvent>();
    ASSERT_EQ(need.size(), 1u);
    EXPECT_EQ(need[0].ranges, (std::vector<ChunkRange>{{0, 255}}));
    deliver(*agent, *topics::dev_chunk("gw1", "A123-000001", img.manifest.fw_id), chunk_of(img, 0));
    fanout(*agent, img, 1, 255);
    need = events_of<NeedEvent>();
    ASSERT_EQ(need.size(), 2u);
    EXPECT_EQ(chunks_in(need[1].ranges), 256u);
    EXPECT_EQ(need[1].ranges.front().first, 256u);
}

TEST_F(DeviceAgentTest, RepeatedFanoutDoneWhileARepairIsOnItsWayDoesNotAskAgain) {
    // A restart and a repeated offer make two readies, so two fanout_dones:
    // the second must not ask the gateway for the same chunks again.
    auto agent = start_agent();
    auto img = make_image("A123", "main", "2.0", 10 * 1024);
    offer(*agent, "c1", {&img});
    fanout(*agent, img, 0, 4);
    fanout_done(*agent, FanoutDoneCmd{"c1", img.manifest.fw_id, img.manifest.chunk_count});
    ASSERT_EQ(events_of<NeedEvent>().size(), 1u);
    fanout(*agent, img, 5, 6);  // part of the answer is in
    fanout_done(*agent, FanoutDoneCmd{"c1", img.manifest.fw_id, img.manifest.chunk_count});
    EXPECT_EQ(events_of<NeedEvent>().size(), 1u);
    EXPECT_EQ(counters.get("fanout_done_while_asking"), 1u);
    // The answer never completes: the no-progress timeout asks for the rest.
    clock.advance(std::chrono::milliseconds(3100));
    agent->tick();
    ASSERT_EQ(events_of<NeedEvent>().size(), 2u);
    EXPECT_EQ(events_of<NeedEvent>()[1].ranges, (std::vector<ChunkRange>{{7, 9}}));
    fanout(*agent, img, 7, 9);
    EXPECT_TRUE(agent->restart_requested());
}

}  // namespace
}  // namespace fleetcast::device::testing
