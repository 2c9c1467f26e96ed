#include "tests/manager/manager_fixture.hpp"

namespace fleetcast::manager::testing {
namespace {

TEST_F(ManagerTest, MalformedRequestsAreCountedAndAnswered) {
    const auto reply = *topics::manager_response("op1", "op1");
    deliver(*topics::manager_request("op1", "op1"), "this is not JSON");
    auto r1 = last_response();
    EXPECT_FALSE(r1.ok);
    EXPECT_EQ(r1.req_id, "invalid");
    EXPECT_NE(r1.error.find("malformed"), std::string::npos) << r1.error;

    deliver(*topics::manager_request("op1", "op1"), R"({"type":"request","req_id":"r-9","op":"campaign_create"})");
    auto r2 = last_response();
    EXPECT_FALSE(r2.ok);
    EXPECT_EQ(r2.req_id, "r-9");  // answered with the req_id it could read
    EXPECT_NE(r2.error.find("args"), std::string::npos) << r2.error;

    auto r3 = request("frobnicate");
    EXPECT_FALSE(r3.ok);
    EXPECT_NE(r3.error.find("unknown op 'frobnicate'"), std::string::npos) << r3.error;

    auto r4 = request("results", R"({"campaign":"c-nope"})");
    EXPECT_FALSE(r4.ok);
    EXPECT_NE(r4.error.find("unknown campaign c-nope"), std::string::npos) << r4.error;

    auto r5 = request("results", R"({"campaign":42})");
    EXPECT_FALSE(r5.ok);

    deliver(*topics::manager_request("op1", "op1"), std::string(2 * 1024 * 1024, '{'));  // oversized
    EXPECT_EQ(transport.on_topic(reply).size(), 6u);
    EXPECT_EQ(counter("bad_input"), 6u);
    EXPECT_EQ(counter("bad_request"), 6u);

    // The retained state carries the counters, at most once a second.
    transport.clear();
    mgr->tick();
    EXPECT_TRUE(transport.on_topic(topics::manager_state()).empty());
    clock.advance(std::chrono::seconds(1));
    mgr->tick();
    auto states = transport.on_topic(topics::manager_state());
    ASSERT_EQ(states.size(), 1u);
    EXPECT_TRUE(states[0].retained);
    auto s = decode_process_state(states[0].payload);
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->online);
    EXPECT_EQ(s->role, "manager");
    EXPECT_EQ(s->counters.at("bad_input"), 6u);
    clock.advance(std::chrono::seconds(5));
    mgr->tick();  // unchanged counters: no new publish
    EXPECT_EQ(transport.on_topic(topics::manager_state()).size(), 1u);
}

TEST_F(ManagerTest, MalformedReportsAreCountedAndIgnored) {
    device_seen("gw1", "A123-000001", "A123", {{"main", "1.0"}});
    const auto report = *topics::gw_report("gw1");
    deliver(report, "");
    deliver(report, "[1,2,3]");
    deliver(report, R"({"type":"gossip"})");
    deliver(report, R"({"type":"job","campaign":"c-1","device":"A123-000001","state":"dancing","progress":1,
                        "detail":"","firmware":{}})");
    deliver(report, R"({"type":"device_seen","device":"A+1","gateway":"gw1","model":"A123","status":"idle",
                        "firmware":{},"at":"2026-11-25T21:30:00.000Z"})");
    DeviceState other{"A123-000001", "gw2", "A123", DeviceStatus::Idle, {{"main", "9.9"}},
                      clock.now(),   "",    "",     std::nullopt};
    deliver(report, encode(DeviceSeenReport{other}));  // claims another gateway
    deliver(report, std::string(1024 * 1024, ' '));
    deliver("fleetcast/v1/gw/bad id/report", encode(DeviceSeenReport{other}));
    deliver("fleetcast/v1/elsewhere", "{}");
    deliver(*topics::gw_state("gw1"), R"({"type":"process_state","role":"gateway","id":"gw9","status":"online"})");
    EXPECT_EQ(counter("bad_input"), 10u);

    auto devices = request("device_list");
    ASSERT_TRUE(devices.ok);
    const cJSON* list = cJSON_GetObjectItemCaseSensitive(devices.data.get(), "devices");
    ASSERT_EQ(cJSON_GetArraySize(list), 1);
    EXPECT_EQ(field(cJSON_GetArrayItem(list, 0), "gateway"), "gw1");
    EXPECT_EQ(json::get_versions(cJSON_GetArrayItem(list, 0), "firmware").value(), (Versions{{"main", "1.0"}}));

    // A gateway's own retained state is recorded; a cleared one is not an error.
    deliver(*topics::gw_state("gw1"), encode(ProcessState{"gateway", "gw1", true, clock.now(), {}}));
    deliver(*topics::gw_state("gw1"), "");
    auto gws = request("gateway_list");
    ASSERT_TRUE(gws.ok);
    const cJSON* g = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(gws.data.get(), "gateways"), 0);
    EXPECT_EQ(field(g, "gateway"), "gw1");
    EXPECT_EQ(field(g, "status"), "online");
    EXPECT_EQ(counter("bad_input"), 10u);
}

TEST_F(ManagerTest, OfflineDeviceKeepsItsKnownVersions) {
    device_seen("gw1", "A123-000001", "A123", {{"main", "1.0"}});
    deliver(*topics::gw_report("gw1"),
            encode(DeviceSeenReport{
                DeviceState{"A123-000001", "gw1", "A123", DeviceStatus::Offline, {}, {}, "", "", std::nullopt}}));
    auto devices = request("device_list");
    const cJSON* d = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(devices.data.get(), "devices"), 0);
    EXPECT_EQ(field(d, "status"), "offline");
    EXPECT_EQ(json::get_versions(d, "firmware").value(), (Versions{{"main", "1.0"}}));
}

}  // namespace
}  // namespace fleetcast::manager::testing
