#include <gtest/gtest.h>

#include <map>

#include "common/messages.hpp"

using namespace fleetcast;

namespace {
FirmwareManifest sample_manifest() {
    FirmwareManifest m;
    m.fw_id = "0123456789abcdef";
    m.model = "A123";
    m.component = "main";
    m.version = "2.0";
    m.size = 200000;
    m.sha256 = std::string(64, 'a');
    m.chunk_size = 65536;
    m.chunk_count = chunk_count_for(m.size, m.chunk_size);
    return m;
}
TimePoint t0() { return *parse_time("2026-11-25T21:30:00.000Z"); }
}  // namespace

TEST(Messages, ManifestRoundTrips) {
    auto m = sample_manifest();
    auto d = decode_manifest(encode(m));
    ASSERT_TRUE(d) << d.error().str();
    EXPECT_EQ(d->fw_id, m.fw_id);
    EXPECT_EQ(d->chunk_count, 4u);
    EXPECT_EQ(d->size, m.size);
}

TEST(Messages, ManifestWithInconsistentChunkCountIsRejected) {
    auto m = sample_manifest();
    m.chunk_count = 3;
    auto d = decode_manifest(encode(m));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, "bad_manifest");
}

TEST(Messages, ScheduleRoundTripsWithOptionalTimes) {
    Schedule s;
    s.campaign = "c-1";
    s.mode = TransferMode::Push;
    s.update_at = t0();
    s.expires_at = t0() + std::chrono::hours(2);
    s.firmware.push_back(sample_manifest());
    s.devices.push_back({"A123-000001", "A123", {"0123456789abcdef"}});
    auto d = decode_schedule(encode(s));
    ASSERT_TRUE(d) << d.error().str();
    EXPECT_EQ(d->mode, TransferMode::Push);
    EXPECT_EQ(d->update_at, t0());
    EXPECT_FALSE(d->transmit_at.has_value());
    ASSERT_TRUE(d->expires_at.has_value());
    EXPECT_EQ(*d->expires_at, t0() + std::chrono::hours(2));
    ASSERT_EQ(d->devices.size(), 1u);
    EXPECT_EQ(d->devices[0].fw_ids[0], "0123456789abcdef");
}

TEST(Messages, ScheduleListsDevicesGroupedByModelAndImagesAndDecodesEveryOne) {
    Schedule s;
    s.campaign = "c-1";
    s.update_at = t0();
    s.firmware.push_back(sample_manifest());
    auto other = sample_manifest();
    other.fw_id = "fedcba9876543210";
    other.model = "B456";
    s.firmware.push_back(other);
    s.devices.push_back({"A123-000001", "A123", {"0123456789abcdef"}});
    s.devices.push_back({"B456-000001", "B456", {"fedcba9876543210"}});
    s.devices.push_back({"A123-000002", "A123", {"0123456789abcdef"}});
    const auto text = encode(s);
    auto j = Json::parse(text);
    ASSERT_TRUE(j);
    const cJSON* groups = cJSON_GetObjectItemCaseSensitive(j->get(), "groups");
    ASSERT_TRUE(cJSON_IsArray(groups));
    EXPECT_EQ(cJSON_GetArraySize(groups), 2);  // one per (model, images)
    EXPECT_EQ(cJSON_GetObjectItemCaseSensitive(j->get(), "devices"), nullptr);
    auto d = decode_schedule(text);
    ASSERT_TRUE(d) << d.error().str();
    ASSERT_EQ(d->devices.size(), 3u);
    std::map<std::string, std::pair<std::string, std::vector<std::string>>> got;
    for (const auto& t : d->devices) got[t.device] = {t.model, t.fw_ids};
    EXPECT_EQ(got["A123-000001"], (std::pair<std::string, std::vector<std::string>>{"A123", {"0123456789abcdef"}}));
    EXPECT_EQ(got["A123-000002"], (std::pair<std::string, std::vector<std::string>>{"A123", {"0123456789abcdef"}}));
    EXPECT_EQ(got["B456-000001"], (std::pair<std::string, std::vector<std::string>>{"B456", {"fedcba9876543210"}}));
}

TEST(Messages, ScheduleFromAnOlderManagerWithOneObjectPerDeviceStillDecodes) {
    Schedule s;
    s.campaign = "c-1";
    s.update_at = t0();
    s.firmware.push_back(sample_manifest());
    auto j = Json::parse(encode(s));
    ASSERT_TRUE(j);
    cJSON_DeleteItemFromObjectCaseSensitive(j->get(), "groups");
    cJSON* devs = cJSON_AddArrayToObject(j->get(), "devices");
    cJSON* item = cJSON_CreateObject();
    json::put(item, "device", "A123-000001");
    json::put(item, "model", "A123");
    json::put(item, "fw_ids", std::vector<std::string>{"0123456789abcdef"});
    cJSON_AddItemToArray(devs, item);
    auto d = decode_schedule(j->dump());
    ASSERT_TRUE(d) << d.error().str();
    ASSERT_EQ(d->devices.size(), 1u);
    EXPECT_EQ(d->devices[0].device, "A123-000001");
}

TEST(Messages, ScheduleGroupNamingAnImageItDoesNotCarryIsBadInput) {
    Schedule s;
    s.campaign = "c-1";
    s.update_at = t0();
    s.firmware.push_back(sample_manifest());
    s.devices.push_back({"A123-000001", "A123", {"00000000000000ff"}});
    auto d = decode_schedule(encode(s));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, "bad_schedule");
}

TEST(Messages, ScheduleCarriesTheCampaignsRetryPolicy) {
    Schedule s;
    s.campaign = "c-1";
    s.update_at = t0();
    s.firmware.push_back(sample_manifest());
    s.devices.push_back({"A123-000001", "A123", {"0123456789abcdef"}});
    s.retry = RetryPolicy{2, Millis(300), Millis(1500)};
    auto d = decode_schedule(encode(s));
    ASSERT_TRUE(d) << d.error().str();
    EXPECT_EQ(d->retry, s.retry);
    // Without "retry" (an older manager): the defaults.
    auto text = encode(s);
    auto j = Json::parse(text);
    ASSERT_TRUE(j);
    cJSON_DeleteItemFromObjectCaseSensitive(j->get(), "retry");
    auto old = decode_schedule(j->dump());
    ASSERT_TRUE(old) << old.error().str();
    EXPECT_EQ(old->retry, RetryPolicy{});
    // Out of range values are refused.
    cJSON* r = cJSON_AddObjectToObject(j->get(), "retry");
    cJSON_AddNumberToObject(r, "max", 1000);
    cJSON_AddNumberToObject(r, "backoff_ms", 10);
    cJSON_AddNumberToObject(r, "power_on_timeout_ms", 10);
    EXPECT_FALSE(decode_schedule(j->dump()));
}

TEST(Messages, ExpireCommandRoundTrips) {
    auto d = decode_device_command(encode(ExpireCmd{"c-9"}));
    ASSERT_TRUE(d) << d.error().str();
    auto* e = std::get_if<ExpireCmd>(&*d);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->campaign, "c-9");
    auto state = job_state_from_string("expired");
    ASSERT_TRUE(state);
    EXPECT_EQ(*state, JobState::Expired);
}

TEST(Messages, SuspendAndResumeCommandsRoundTrip) {
    for (bool suspend : {true, false}) {
        auto g = decode_gateway_command(encode(GwSuspendCmd{"c-9", "A123-000001", "r-7", suspend}));
        ASSERT_TRUE(g) << g.error().str();
        auto* c = std::get_if<GwSuspendCmd>(&*g);
        ASSERT_NE(c, nullptr);
        EXPECT_EQ(c->suspend, suspend);
        EXPECT_EQ(c->campaign, "c-9");
        EXPECT_EQ(c->device, "A123-000001");
        EXPECT_EQ(c->request_id, "r-7");
    }
    auto d = decode_device_command(encode(SuspendCmd{"c-9", "r-7"}));
    ASSERT_TRUE(d) << d.error().str();
    ASSERT_TRUE(std::holds_alternative<SuspendCmd>(*d));
    EXPECT_EQ(std::get<SuspendCmd>(*d).request_id, "r-7");
    EXPECT_FALSE(decode_gateway_command(R"({"type":"suspend","campaign":"c-9","device":"A123-#","request_id":"r"})"));
    EXPECT_FALSE(decode_gateway_command(R"({"type":"resume","campaign":"c-9","device":"A123-000001"})"));
    EXPECT_FALSE(decode_device_command(R"({"type":"suspend","campaign":"c/+","request_id":"r"})"));
}

TEST(Messages, ScheduleNamingUnknownFirmwareIsRejected) {
    Schedule s;
    s.campaign = "c-1";
    s.update_at = t0();
    s.firmware.push_back(sample_manifest());
    s.devices.push_back({"A123-000001", "A123", {"ffffffffffffffff"}});
    EXPECT_FALSE(decode_schedule(encode(s)));
}

TEST(Messages, MalformedJsonWrongTypesAndWildcardIdsAreErrors) {
    EXPECT_EQ(decode_fetch("{not json").error().code, "bad_json");
    EXPECT_EQ(decode_fetch("[1,2]").error().code, "bad_json");
    EXPECT_EQ(decode_fetch(R"({"type":"fetch","fw_id":5,"ranges":[]})").error().code, "wrong_type");
    EXPECT_EQ(decode_fetch(R"({"type":"fetch","fw_id":"a+b","ranges":[]})").error().code, "bad_id");
    EXPECT_EQ(decode_fetch(R"({"type":"fetch","fw_id":"ab","ranges":[[3,1]]})").error().code, "out_of_range");
    EXPECT_EQ(decode_fetch(R"({"type":"fetch","fw_id":"ab","ranges":[[-1,1]]})").error().code, "out_of_range");
    EXPECT_EQ(decode_fetch(R"({"type":"fetch","fw_id":"ab","ranges":[[1.5,2]]})").error().code, "out_of_range");
    EXPECT_EQ(decode_device_event(R"({"type":"bogus","campaign":"c"})").error().code, "unknown_type");
    EXPECT_EQ(decode_device_event(R"({"type":"progress","campaign":"c","phase":"x","percent":101})").error().code,
              "out_of_range");
    EXPECT_EQ(decode_manifest(std::string(kMaxJsonBytes + 1, ' ')).error().code, "too_large");
}

TEST(Messages, DeviceEventsRoundTrip) {
    auto need = decode_device_event(encode(NeedEvent{"c-1", "ab12", {{0, 3}, {7, 7}}}));
    ASSERT_TRUE(need);
    auto& n = std::get<NeedEvent>(*need);
    EXPECT_EQ(n.ranges.size(), 2u);
    EXPECT_EQ(n.ranges[1], (ChunkRange{7, 7}));

    auto po = decode_device_event(encode(PowerOnEvent{"", {{"main", "2.0"}, {"df", "D"}}, 3}));
    ASSERT_TRUE(po);
    auto& p = std::get<PowerOnEvent>(*po);
    EXPECT_TRUE(p.campaign.empty());
    EXPECT_EQ(p.firmware.at("df"), "D");
    EXPECT_EQ(p.boot_count, 3u);
}

TEST(Messages, PowerOnImageHashesAndReadyBootCountRoundTrip) {
    const std::string sha(64, 'a');
    auto po = decode_device_event(encode(PowerOnEvent{"c-1", {{"main", "2.0"}}, 4, {{"main", sha}}}));
    ASSERT_TRUE(po) << po.error().str();
    EXPECT_EQ(std::get<PowerOnEvent>(*po).image_sha256, (ImageHashes{{"main", sha}}));
    auto ready = decode_device_event(encode(ReadyEvent{"c-1", {"ab12"}, 4}));
    ASSERT_TRUE(ready) << ready.error().str();
    EXPECT_EQ(std::get<ReadyEvent>(*ready).boot_count, 4u);

    // Both fields are optional (devices built before them).
    auto old_ready = decode_device_event(R"({"type":"ready","campaign":"c-1","fw_ids":["ab12"]})");
    ASSERT_TRUE(old_ready);
    EXPECT_FALSE(std::get<ReadyEvent>(*old_ready).boot_count);
    EXPECT_EQ(encode(ReadyEvent{"c-1", {"ab12"}}).find("boot_count"), std::string::npos);
    auto old_po =
        decode_device_event(R"({"type":"power_on","campaign":"c-1","firmware":{"main":"2.0"},"boot_count":2})");
    ASSERT_TRUE(old_po);
    EXPECT_TRUE(std::get<PowerOnEvent>(*old_po).image_sha256.empty());
}

TEST(Messages, PowerOnImageHashesAndReadyBootCountRejectWrongTypesAndBadHex) {
    auto power_on = [](const std::string& hashes) {
        return decode_device_event(R"({"type":"power_on","campaign":"c-1","firmware":{"main":"2.0"},"boot_count":2,)"
                                   R"("image_sha256":)" +
                                   hashes + "}");
    };
    const std::string sha(64, 'a');
    EXPECT_TRUE(power_on(R"({"main":")" + sha + R"("})"));
    EXPECT_EQ(power_on(R"(")" + sha + R"(")").error().code, "wrong_type");                            // not an object
    EXPECT_EQ(power_on(R"({"main":5})").error().code, "wrong_type");                                  // not a string
    EXPECT_EQ(power_on(R"({"main":")" + std::string(63, 'a') + R"("})").error().code, "bad_value");   // too short
    EXPECT_EQ(power_on(R"({"main":")" + std::string(64, 'A') + R"("})").error().code, "bad_value");   // upper case
    EXPECT_EQ(power_on(R"({"main":")" + std::string(63, 'a') + R"(g"})").error().code, "bad_value");  // not hex
    EXPECT_EQ(power_on(R"({"ma+in":")" + sha + R"("})").error().code, "bad_id");
    auto bad_value = power_on(R"({"main":"xyz"})");
    ASSERT_FALSE(bad_value);
    EXPECT_NE(bad_value.error().message.find("64 lowercase hex"), std::string::npos) << bad_value.error().message;

    EXPECT_EQ(
        decode_device_event(R"({"type":"ready","campaign":"c-1","fw_ids":["ab12"],"boot_count":"2"})").error().code,
        "wrong_type");
    EXPECT_FALSE(decode_device_event(R"({"type":"ready","campaign":"c-1","fw_ids":["ab12"],"boot_count":-1})"));
}

TEST(Messages, DeviceStateAndOfflineWillDecode) {
    DeviceState s{"A123-000001", "gw1",      "A123", DeviceStatus::Busy, {{"main", "1.0"}},
                  t0(),          "printing", "",     std::nullopt};
    auto d = decode_device_state(encode(s));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->status, DeviceStatus::Busy);
    auto off = decode_device_state(encode_device_offline("A123-000001", "gw1", "A123"));
    ASSERT_TRUE(off) << off.error().str();
    EXPECT_EQ(off->status, DeviceStatus::Offline);
}

TEST(Messages, GatewayReportsRoundTrip) {
    JobReport j;
    j.campaign = "c-1";
    j.device = "A123-000001";
    j.state = JobState::Completed;
    j.progress = 100;
    j.started_at = t0();
    j.ended_at = t0() + std::chrono::seconds(9);
    j.firmware = {{"main", "2.0"}};
    auto r = decode_gateway_report(encode(j));
    ASSERT_TRUE(r) << r.error().str();
    auto& jr = std::get<JobReport>(*r);
    EXPECT_EQ(jr.state, JobState::Completed);
    EXPECT_EQ(*jr.ended_at, t0() + std::chrono::seconds(9));
    EXPECT_FALSE(jr.suspended);
    j.state = JobState::Waiting;
    j.suspended = true;
    auto held = decode_gateway_report(encode(j));
    ASSERT_TRUE(held) << held.error().str();
    EXPECT_TRUE(std::get<JobReport>(*held).suspended);
    auto text = encode(j);
    text.replace(text.find("\"suspended\":true"), 16, "\"suspended\":1");
    EXPECT_FALSE(decode_gateway_report(text)) << "a non-boolean suspended is refused";
}

TEST(Messages, OperatorRequestCarriesArgsObject) {
    OperatorRequest req;
    req.req_id = "r-1";
    req.op = "campaign_create";
    req.args = Json::object();
    json::put(req.args.get(), "all", true);
    auto d = decode_operator_request(encode(req));
    ASSERT_TRUE(d) << d.error().str();
    EXPECT_EQ(d->op, "campaign_create");
    EXPECT_TRUE(*json::get_bool(d->args.get(), "all"));
    EXPECT_FALSE(decode_operator_request(R"({"type":"request","req_id":"r","op":"x","args":[]})"));
}

TEST(Messages, RateReportsAndProbesRoundTripAndBadOnesAreRefused) {
    RateReport r;
    r.link = RateLink::Device;
    r.device = "A123-000001";
    r.bytes = 1000;
    r.millis = 20;
    r.source = "fanout";
    r.at = TimePoint(std::chrono::seconds(1795642200));
    auto back = decode_gateway_report(encode(r));
    ASSERT_TRUE(back) << back.error().str();
    auto& got = std::get<RateReport>(*back);
    EXPECT_EQ(got.device, "A123-000001");
    EXPECT_EQ(got.bytes_per_second(), 50000.0);
    EXPECT_FALSE(decode_gateway_report(
        R"({"type":"rate","link":"device","device":"a/+","bytes":1,"millis":1,"source":"x","at":"2026-11-25T21:30:00Z"})"));
    EXPECT_FALSE(decode_gateway_report(
        R"({"type":"rate","link":"sideways","bytes":1,"millis":1,"source":"x","at":"2026-11-25T21:30:00Z"})"));

    auto data = decode_probe_data(encode_probe_data("p-7", 100));
    ASSERT_TRUE(data) << data.error().str();
    EXPECT_EQ(data->probe, "p-7");
    EXPECT_EQ(data->bytes, 4u + 1u + 3u + 100u);
    EXPECT_FALSE(decode_probe_data("FCP1"));
    EXPECT_FALSE(decode_probe_data(std::string("FCP1\x09p-1", 8)));  // truncated id
    EXPECT_FALSE(decode_probe_request(R"({"type":"probe","probe":"p-1","bytes":99999999})"));
    auto ack = decode_probe_ack(encode(ProbeAck{"p-2", 16392}));
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->bytes, 16392u);

    OperatorResponse resp;
    resp.req_id = "r-1";
    resp.error = "bad";
    resp.code = "bad_args";
    auto decoded = decode_operator_response(encode(resp));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->code, "bad_args");
}
