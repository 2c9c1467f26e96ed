// The device's side of R21/R22: it trusts the manager's key only, checks each
// chunk against the signed list, and rolls back a first boot that fails.
#include "tests/device/device_agent_fixture.hpp"

namespace fleetcast::device::testing {
namespace {

TEST_F(DeviceAgentTest, UnsignedForeignOrExpiredManifestIsRejectedBeforeAnyChunk) {
    auto agent = start_agent();
    auto unsigned_img = make_image("A123", "main", "2.0", 4000);
    unsigned_img.manifest.signature.clear();
    offer(*agent, "c1", {&unsigned_img});

    auto foreign = make_image("A123", "main", "2.0", 4000, 1024, 2);
    auto other = SigningKey::generate();
    ASSERT_TRUE(other);
    fleetcast::testing::sign_for_test(foreign.manifest, foreign.bytes, *other);
    offer(*agent, "c2", {&foreign});

    auto expired = make_image("A123", "main", "2.0", 4000, 1024, 3);
    fleetcast::testing::sign_for_test(expired.manifest, expired.bytes, *fleetcast::testing::test_signing_key(),
                                      clock.now() - Millis(1));
    offer(*agent, "c3", {&expired});

    auto errors = events_of<ErrorEvent>();
    ASSERT_EQ(errors.size(), 3u);
    for (const auto& e : errors) EXPECT_EQ(e.code, "bad_manifest");
    EXPECT_NE(errors[0].detail.find("not signed"), std::string::npos) << errors[0].detail;
    EXPECT_NE(errors[1].detail.find("signed by key"), std::string::npos) << errors[1].detail;
    EXPECT_NE(errors[2].detail.find("expired"), std::string::npos) << errors[2].detail;
    EXPECT_FALSE(agent->updating());
    EXPECT_TRUE(events_of<ReadyEvent>().empty());
    EXPECT_EQ(counters.get("bad_manifest"), 3u);
    EXPECT_FALSE(std::filesystem::exists(dir / "slots" / "main" / "b.img"));
}

TEST_F(DeviceAgentTest, DeviceWithoutTrustKeyRefusesEveryManifest) {
    auto c = config();
    c.trust_keys.reset();
    auto agent = start_agent(c);
    auto img = make_image("A123", "main", "2.0", 4000);
    offer(*agent, "c1", {&img});
    auto errors = events_of<ErrorEvent>();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].code, "bad_manifest");
    EXPECT_FALSE(agent->updating());
}

TEST_F(DeviceAgentTest, ForgedChunkIsRefusedThenTheGenuineOneIsAskedForAndWritten) {
    auto agent = start_agent();
    auto img = make_image("A123", "main", "2.0", 4 * 1024);
    offer(*agent, "c1", {&img});
    // Chunk 1 with one byte changed and a matching header hash: only the signed list tells.
    std::string payload = img.bytes.substr(1024, 1024);
    payload[10] ^= 1;
    auto topic = *topics::site_model_chunk("gw1", "A123", img.manifest.fw_id);
    deliver(*agent, topic, encode_chunk(1, 4, payload));
    fanout(*agent, img, 0, 0);
    fanout(*agent, img, 2, 3);
    EXPECT_EQ(counters.get("bad_chunk"), 1u);
    fanout_done(*agent, FanoutDoneCmd{"c1", img.manifest.fw_id, 4});
    auto need = events_of<NeedEvent>();
    ASSERT_EQ(need.size(), 1u);
    EXPECT_EQ(need[0].ranges, (std::vector<ChunkRange>{{1, 1}}));
    // A forgery of a chunk already held is refused (and counted) too.
    deliver(*agent, topic, encode_chunk(1, 4, payload));
    EXPECT_EQ(counters.get("bad_chunk"), 2u);
    deliver(*agent, *topics::dev_chunk("gw1", "A123-000001", img.manifest.fw_id), chunk_of(img, 1));
    EXPECT_TRUE(agent->restart_requested());
    EXPECT_EQ(slot_file("main", Slot::B), img.bytes);
}

TEST_F(DeviceAgentTest, FailedFirstBootRollsBackToTheOldSlotAndReportsWhy) {
    auto c = config();
    c.boot_health.fail_first_boot = {{"main", "2.0"}};
    auto agent = start_agent(c);
    auto old_image = slot_file("main", Slot::A);
    auto img = make_image("A123", "main", "2.0", 3000);
    offer(*agent, "c1", {&img});
    fanout_all(*agent, img);
    ASSERT_TRUE(agent->restart_requested());
    transport.clear();
    agent = start_agent(c);  // the trial boot

    auto errors = events_of<ErrorEvent>();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].code, "boot_failed");
    EXPECT_EQ(errors[0].campaign, "c1");
    EXPECT_EQ(errors[0].fw_id, img.manifest.fw_id);
    EXPECT_NE(errors[0].detail.find("health check failed"), std::string::npos);
    auto power_on = events_of<PowerOnEvent>();
    ASSERT_EQ(power_on.size(), 1u);
    EXPECT_EQ(power_on[0].firmware, (Versions{{"main", "1.0"}}));
    auto st = decode_nv_state(state_file());
    ASSERT_TRUE(st);
    EXPECT_EQ(st->components.at("main").active, Slot::A);
    EXPECT_FALSE(st->trial);
    EXPECT_EQ(slot_file("main", Slot::A), old_image);
    // The next boot is an ordinary one: nothing more to roll back.
    transport.clear();
    agent = start_agent(c);
    EXPECT_TRUE(events_of<ErrorEvent>().empty());
}

TEST_F(DeviceAgentTest, PassingFirstBootIsConfirmedAndKeepsTheNewSlot) {
    auto agent = start_agent();
    auto img = make_image("A123", "main", "2.0", 3000);
    offer(*agent, "c1", {&img});
    fanout_all(*agent, img);
    ASSERT_TRUE(agent->restart_requested());
    ASSERT_TRUE(decode_nv_state(state_file())->trial);
    transport.clear();
    agent = start_agent();
    EXPECT_TRUE(events_of<ErrorEvent>().empty());
    auto st = decode_nv_state(state_file());
    ASSERT_TRUE(st);
    EXPECT_FALSE(st->trial);
    EXPECT_EQ(st->components.at("main").active, Slot::B);
    EXPECT_EQ(st->components.at("main").version, "2.0");
}

TEST_F(DeviceAgentTest, TrialBootInterruptedBeforeConfirmingRollsBackAtTheNextStart) {
    auto agent = start_agent();
    auto img = make_image("A123", "main", "2.0", 3000);
    offer(*agent, "c1", {&img});
    fanout_all(*agent, img);
    ASSERT_TRUE(agent->restart_requested());
    // Power lost during the trial boot: the state says it started and never confirmed.
    auto st = decode_nv_state(state_file());
    ASSERT_TRUE(st && st->trial);
    st->trial->attempted = true;
    ASSERT_TRUE(write_file_atomic(dir / "state.json", encode_nv_state(*st)));
    transport.clear();
    agent = start_agent();
    auto errors = events_of<ErrorEvent>();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].code, "boot_failed");
    EXPECT_EQ(decode_nv_state(state_file())->components.at("main").version, "1.0");
}

}  // namespace
}  // namespace fleetcast::device::testing
