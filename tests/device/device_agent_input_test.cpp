// Bad input is logged and counted, never crashes, never changes stored state.
#include "tests/device/device_agent_fixture.hpp"

namespace fleetcast::device::testing {
namespace {

TEST_F(DeviceAgentTest, MalformedCommandIsCountedAndIgnored) {
    auto agent = start_agent();
    auto before = state_file();
    auto published = transport.published.size();
    const std::vector<std::string> bad = {
        "not json",
        "",
        "[1,2,3]",
        R"({"type":"offer"})",
        R"({"type":"offer","campaign":"c1","firmware":"x"})",
        R"({"type":"offer","campaign":"c+1","firmware":[]})",
        R"({"type":"offer","campaign":"c1","firmware":[{"fw_id":"#"}]})",
        R"({"type":"reboot","campaign":"c1"})",
        R"({"type":"fanout_done","campaign":"c1","fw_id":"abc","chunk_count":-1})",
        std::string("{\"type\":\"offer\",\0", 17),
    };
    for (const auto& p : bad) command(*agent, p);
    EXPECT_EQ(counters.get("bad_input"), bad.size());
    EXPECT_EQ(transport.published.size(), published);
    EXPECT_EQ(state_file(), before);
    EXPECT_FALSE(agent->updating());
}

TEST_F(DeviceAgentTest, BadTopicsAreCountedAndIgnored) {
    auto agent = start_agent();
    auto before = state_file();
    deliver(*agent, "fleetcast/v1/site/gw1/dev/A123-000001/fw/ab+/chunk", "x");
    deliver(*agent, "fleetcast/v1/site/gw1/dev/A123-000002/cmd", R"({"type":"fanout_done"})");
    deliver(*agent, "fleetcast/v1/site/gw2/dev/A123-000001/cmd", R"({"type":"fanout_done"})");
    deliver(*agent, "fleetcast/v1/site/gw1/model/B9/fw/0011223344556677/chunk", "x");
    deliver(*agent, "something/else", "x");
    EXPECT_EQ(counters.get("bad_input"), 5u);
    EXPECT_EQ(state_file(), before);
}

TEST_F(DeviceAgentTest, ChunkForUnknownImageIsCountedAndIgnored) {
    auto agent = start_agent();
    auto before = state_file();
    auto img = make_image("A123", "main", "2.0", 4096);
    fanout_all(*agent, img);
    EXPECT_EQ(counters.get("stale_chunk"), img.manifest.chunk_count);
    EXPECT_EQ(state_file(), before);
    EXPECT_FALSE(std::filesystem::exists(dir / "slots" / "main" / "b.img"));
}

TEST_F(DeviceAgentTest, FanoutDoneOfAnotherCampaignIsIgnored) {
    auto agent = start_agent();
    auto img = make_image("A123", "main", "2.0", 4096);
    offer(*agent, "c1", {&img});
    fanout_done(*agent, FanoutDoneCmd{"c9", img.manifest.fw_id, img.manifest.chunk_count});
    EXPECT_TRUE(events_of<NeedEvent>().empty());
    EXPECT_EQ(counters.get("stale_command"), 1u);
}

TEST_F(DeviceAgentTest, FanoutDoneNotMatchingItsTopicIsCountedAndIgnored) {
    auto agent = start_agent();
    auto img = make_image("A123", "main", "2.0", 4096);
    offer(*agent, "c1", {&img});
    auto other_topic = *topics::dev_fanout_done("gw1", "A123-000001", "00000000000000aa");
    agent->handle_data(MqttEvent{MqttEvent::Kind::Message, 0, other_topic,
                                 encode(FanoutDoneCmd{"c1", img.manifest.fw_id, img.manifest.chunk_count}), false});
    agent->handle_data(MqttEvent{MqttEvent::Kind::Message, 0,
                                 *topics::dev_fanout_done("gw1", "A123-000001", img.manifest.fw_id),
                                 encode(SuspendCmd{"c1", "r-1"}), false});
    agent->handle_data(MqttEvent{MqttEvent::Kind::Message, 0,
                                 *topics::dev_fanout_done("gw1", "A123-000001", img.manifest.fw_id), "{not json",
                                 false});
    EXPECT_EQ(counters.get("bad_input"), 3u);
    EXPECT_TRUE(events_of<NeedEvent>().empty());
    EXPECT_TRUE(agent->updating()) << "a bad message on the data topic stopped the update";
}

}  // namespace
}  // namespace fleetcast::device::testing
