#include "common/operator_views.hpp"

#include <gtest/gtest.h>

namespace fleetcast {
namespace {

TimePoint at(const char* iso) {
    auto t = parse_time(iso);
    EXPECT_TRUE(t) << iso;
    return t ? *t : TimePoint{};
}

Json parse(const std::string& text) {
    auto j = Json::parse(text);
    EXPECT_TRUE(j) << text;
    return j ? std::move(*j) : Json::object();
}

TEST(OperatorViews, DeviceListRoundTripsWithAndWithoutDeferment) {
    DeviceListAnswer a;
    a.devices.push_back({"A123-000001",
                         "gw1",
                         "A123",
                         "idle",
                         {{"main", "1.0"}},
                         at("2026-12-01T10:00:00.000Z"),
                         DefermentParam{Millis(1200000), at("2026-12-01T09:00:00.000Z")}});
    a.devices.push_back({"B456-000002", "gw2", "B456", "offline", {}, at("2026-12-01T10:00:01.000Z"), std::nullopt});
    auto j = json_object(a);
    auto back = device_list_answer_from_json(j.get());
    ASSERT_TRUE(back) << back.error().str();
    ASSERT_EQ(back->devices.size(), 2u);
    EXPECT_EQ(back->devices[0].firmware.at("main"), "1.0");
    ASSERT_TRUE(back->devices[0].deferment);
    EXPECT_EQ(back->devices[0].deferment->value, Millis(1200000));
    EXPECT_FALSE(back->devices[1].deferment);
    EXPECT_EQ(back->devices[1].last_seen, a.devices[1].last_seen);
}

TEST(OperatorViews, RateRowsSayWhichLinkTheyMeasure) {
    RateListAnswer a;
    a.rates.push_back({"gw1", "", 1000, 10, 100000, "probe", at("2026-12-01T10:00:00.000Z")});
    a.rates.push_back({"gw1", "A123-000001", 2000, 20, 100000, "transfer", at("2026-12-01T10:00:00.000Z")});
    auto j = json_object(a);
    EXPECT_NE(j.dump().find(R"("link":"manager")"), std::string::npos) << j.dump();
    auto back = rate_list_answer_from_json(j.get());
    ASSERT_TRUE(back) << back.error().str();
    EXPECT_TRUE(back->rates[0].device.empty());
    EXPECT_EQ(back->rates[1].device, "A123-000001");
    auto bad = rate_list_answer_from_json(
        parse(R"({"rates":[{"gateway":"gw1","link":"satellite","bytes":1,"millis":1,"bytes_per_s":1,)"
              R"("source":"probe","at":"2026-12-01T10:00:00.000Z"}]})")
            .get());
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("rates[0]"), std::string::npos) << bad.error().str();
}

TEST(OperatorViews, TargetsKeepEveryComponentChangeAndJoinedPagesHaveNoOffset) {
    TargetsAnswer a{"c-1", "push", 1, 0, {}};
    a.devices.push_back({"A123-000001",
                         "A123",
                         "000001",
                         "gw1",
                         at("2026-12-01T10:00:00.000Z"),
                         at("2026-12-01T11:00:00.000Z"),
                         {{"main", "1.0", "2.0"}, {"df", "", "3.1"}}});
    auto j = json_object(a);
    cJSON_DeleteItemFromObjectCaseSensitive(j.get(), "offset");
    auto back = targets_answer_from_json(j.get());
    ASSERT_TRUE(back) << back.error().str();
    ASSERT_EQ(back->devices.size(), 1u);
    ASSERT_EQ(back->devices[0].changes.size(), 2u);
    EXPECT_EQ(back->devices[0].changes[1].old_version, "");
    EXPECT_EQ(back->devices[0].changes[1].new_version, "3.1");
    EXPECT_EQ(back->devices[0].update_at, a.devices[0].update_at);
}

TEST(OperatorViews, DeviceStatusWithoutAJobIsIdleAndSettled) {
    DeviceStatusAnswer a;
    a.now = at("2026-12-01T10:00:00.000Z");
    a.device = {"A123-000001", "gw1", "A123", "idle", {{"main", "1.0"}}, a.now, std::nullopt};
    a.phase = "idle";
    auto j = json_object(a);
    auto back = device_status_answer_from_json(j.get());
    ASSERT_TRUE(back) << back.error().str();
    EXPECT_FALSE(back->latest);
    EXPECT_TRUE(back->settled);
    EXPECT_EQ(back->phase, "idle");
}

TEST(OperatorViews, DeviceStatusOfARunningJobCarriesItsPlanAndProgress) {
    DeviceStatusAnswer a;
    a.now = at("2026-12-01T10:00:00.000Z");
    a.device = {"A123-000001", "gw1", "A123", "updating", {{"main", "1.0"}}, a.now, std::nullopt};
    JobView job;
    job.state = JobState::Transferring;
    job.progress = 40;
    job.new_versions = {{"main", "2.0"}};
    a.latest = DeviceStatusJob{"c-1", job, at("2026-12-01T09:59:00.000Z"), at("2026-12-01T10:05:00.000Z")};
    a.phase = "downloading";
    a.settled = false;
    auto back = device_status_answer_from_json(json_object(a).get());
    ASSERT_TRUE(back) << back.error().str();
    ASSERT_TRUE(back->latest);
    EXPECT_EQ(back->latest->campaign, "c-1");
    EXPECT_EQ(back->latest->job.state, JobState::Transferring);
    EXPECT_EQ(back->latest->job.progress, 40u);
    EXPECT_EQ(back->latest->expected_end, a.latest->expected_end);
    EXPECT_FALSE(back->settled);
}

TEST(OperatorViews, AFieldOfTheWrongTypeIsABadAnswerNotABlankCell) {
    auto j = parse(R"({"gateways":[{"gateway":"gw1","status":"online","last_seen":12}]})");
    auto back = gateway_list_answer_from_json(j.get());
    ASSERT_FALSE(back);
    EXPECT_NE(back.error().message.find("gateways[0]"), std::string::npos) << back.error().str();
    auto wildcard = gateway_list_answer_from_json(
        parse(R"({"gateways":[{"gateway":"gw/#","status":"online","last_seen":"2026-12-01T10:00:00.000Z"}]})").get());
    EXPECT_FALSE(wildcard);
    auto no_rows = unregistered_answer_from_json(parse(R"({"campaign":"c-1","total":0})").get());
    EXPECT_FALSE(no_rows);
}

TEST(OperatorViews, FirmwareListCarriesTheManifestWhenItWasAddedAndTheCampaignsUsingIt) {
    FirmwareManifest m;
    m.fw_id = "0123456789abcdef";
    m.model = "A123";
    m.component = "main";
    m.version = "2.0";
    m.size = 8192;
    m.chunk_size = 4096;
    m.chunk_count = 2;
    m.sha256 = std::string(64, 'a');
    FirmwareListAnswer a{{{m, at("2026-12-01T10:00:00.000Z"), {"c-1", "c-2"}}}};
    auto back = firmware_list_answer_from_json(json_object(a).get());
    ASSERT_TRUE(back) << back.error().str();
    ASSERT_EQ(back->firmware.size(), 1u);
    EXPECT_EQ(back->firmware[0].manifest.fw_id, m.fw_id);
    EXPECT_EQ(back->firmware[0].manifest.chunk_count, 2u);
    EXPECT_EQ(back->firmware[0].added_at, a.firmware[0].added_at);
    EXPECT_EQ(back->firmware[0].campaigns, (std::vector<std::string>{"c-1", "c-2"}));
}

}  // namespace
}  // namespace fleetcast
