// Hostile and broken input on every topic the programs subscribe to: each
// program logs it, counts it, stays up, and a good campaign still completes (R25).
#include <gtest/gtest.h>

#include "common/chunk_codec.hpp"
#include "common/messages.hpp"
#include "common/topics.hpp"
#include "tests/integration/fleet.hpp"
#include "tests/support/observer.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;

namespace {
std::uint64_t bad_input_count(const Observer& o, const std::string& state_topic) {
    auto p = o.last_payload(state_topic);
    if (!p) return 0;
    auto s = decode_process_state(*p);
    if (!s) return 0;
    auto it = s->counters.find("bad_input");
    return it == s->counters.end() ? 0 : it->second;
}
}  // namespace

TEST(BadInput, MalformedMessagesAreCountedAndTheNextCampaignCompletes) {
    Fleet fleet;
    Observer o(fleet.uri(), "hostile-peer");
    o.subscribe(topics::manager_state());
    o.subscribe(*topics::gw_state("gw1"));

    fleet.start_manager();
    fleet.start_gateway("gw1");
    fleet.start_devices("gw1", "A123", 3, 1, {"main=1.0"});
    auto img = fleet.make_image("A123", "main", "2.0", 512 * 1024 + 3);
    ASSERT_NO_FATAL_FAILURE(fleet.add_firmware(img));
    ASSERT_TRUE(fleet.wait_registered(3, 60s));

    const std::string dev = "A123-000001";
    const std::vector<std::pair<std::string, std::string>> garbage = {
        // manager
        {*topics::manager_request("cli-evil", "cli-evil"), "{not json"},
        {*topics::manager_request("cli-evil", "cli-evil"), R"({"type":"request","req_id":7,"op":"results","args":{}})"},
        {*topics::manager_request("cli-evil", "cli-evil"),
         R"({"type":"request","req_id":"r1","op":"results","args":{"campaign":"c+#"}})"},
        {*topics::gw_fetch("gw1"), R"({"type":"fetch","fw_id":"a#b","ranges":[[0,1]]})"},
        {*topics::gw_fetch("gw1"), R"({"type":"fetch","fw_id":"0000000000000000","ranges":[[0,1]]})"},
        {*topics::gw_fetch("gw1"), R"({"type":"fetch","fw_id":")" + img.fw_id + R"(","ranges":[[0,99999]]})"},
        {*topics::gw_report("gw1"), R"({"type":"job","campaign":"c","device":"A+B","state":"completed"})"},
        {*topics::gw_report("gw1"), std::string(9 * 1024 * 1024 / 10, 'x')},
        // gateway
        {*topics::gw_chunk("gw1", img.fw_id), encode_chunk(0, 9, std::string(1000, 'a')).substr(0, 500)},
        {*topics::gw_chunk("gw1", img.fw_id), "short"},
        {*topics::dev_event("gw1", dev), R"({"type":"power_on","firmware":"2.0","boot_count":1})"},
        {*topics::dev_event("gw1", dev), R"({"type":"need","campaign":"nope","fw_id":"ab","ranges":[[0,5]]})"},
        {*topics::dev_state("gw1", "A123-999999"), R"({"type":"device_state","device":"A123-99#","status":"idle"})"},
        // devices
        {*topics::dev_cmd("gw1", dev), "[]"},
        {*topics::dev_cmd("gw1", dev), R"({"type":"offer","campaign":"c1","firmware":[{"fw_id":"x/y"}]})"},
        {*topics::dev_chunk("gw1", dev, img.fw_id), encode_chunk(1, 2, "zz").substr(0, 40)},
    };
    for (const auto& [topic, payload] : garbage) o.publish(topic, payload);
    // A garbage retained schedule is also rejected, then cleared.
    o.publish(*topics::gw_schedule("gw1", "c-garbage"), R"({"type":"schedule","campaign":"c-garbage"})", true);

    EXPECT_TRUE(eventually([&] { return bad_input_count(o, topics::manager_state()) >= 5; }, 20s))
        << "manager bad_input=" << bad_input_count(o, topics::manager_state());
    EXPECT_TRUE(eventually([&] { return bad_input_count(o, *topics::gw_state("gw1")) >= 4; }, 20s))
        << "gateway bad_input=" << bad_input_count(o, *topics::gw_state("gw1"));
    o.publish(*topics::gw_schedule("gw1", "c-garbage"), "", true);

    EXPECT_TRUE(fleet.manager().running());
    EXPECT_TRUE(fleet.gateway("gw1").running());
    for (auto& p : fleet.device_processes()) EXPECT_TRUE(p.running());

    auto created = fleet.cli({"campaign", "create", "--all"});
    ASSERT_EQ(created.exit_code, 0) << created.output;
    auto campaign = created.output.substr(0, created.output.find('\n'));
    auto done = fleet.cli({"results", campaign, "--wait-complete", "120"}, 150s);
    EXPECT_EQ(done.exit_code, 0) << done.output;
}
