#include "common/operator_campaign_create.hpp"

#include <gtest/gtest.h>

#include "tests/support/json_text.hpp"

#include "common/operator_messages.hpp"

namespace fleetcast {
namespace {

using testing::parse_json;

TEST(CampaignCreateArgs, RoundTripKeepsTargetsTimesModeAndRetries) {
    CampaignCreateArgs a;
    a.devices = {"A123-000002", "A123-000001"};
    a.models = {"B456"};
    a.firmware = {"0123456789abcdef"};
    a.update_in = Millis(20 * 60 * 1000);
    a.transmit_at = parse_time("2026-12-02T10:00:00Z").value();
    a.mode = TransferMode::Push;
    a.campaign = "c-one";
    a.retry.max_retries = 7;
    a.retry.backoff = Millis(1500);
    auto back = campaign_create_args_from_json(json_object(a).get());
    ASSERT_TRUE(back) << back.error().str();
    EXPECT_EQ(back->devices, a.devices) << "the operator's order";
    EXPECT_EQ(back->models, a.models);
    EXPECT_EQ(back->firmware, a.firmware);
    EXPECT_EQ(back->update_in, a.update_in);
    EXPECT_FALSE(back->update_at);
    EXPECT_EQ(back->transmit_at, a.transmit_at);
    EXPECT_EQ(back->mode, TransferMode::Push);
    EXPECT_EQ(back->campaign, a.campaign);
    EXPECT_EQ(back->retry, a.retry);
}

TEST(CampaignCreateArgs, RefusesBothAllAndAListNeitherAndATimeGivenTwice) {
    for (auto bad : {R"({})", R"({"all":true,"devices":["A123-000001"]})", R"({"all":false})", R"({"devices":[]})",
                     R"({"all":true,"update_at":"2026-12-02T10:00:00Z","update_in_ms":5})",
                     R"({"all":true,"mode":"multicast"})", R"({"all":true,"power_on_timeout_ms":0})",
                     R"({"all":true,"retry_max":21})", R"({"devices":["A123-+"]})", R"({"all":"yes"})"}) {
        auto a = campaign_create_args_from_json(parse_json(bad).get());
        EXPECT_FALSE(a) << bad;
    }
}

TEST(CampaignCreateArgs, DuplicateDevicesAreTakenOnceAndRelativeTimesResolveOnTheManagersClock) {
    auto a = campaign_create_args_from_json(
        parse_json(R"({"devices":["A123-000001","A123-000001","A123-000003"],"expires_in_ms":60000})").get());
    ASSERT_TRUE(a) << a.error().str();
    EXPECT_EQ(a->devices, (std::vector<std::string>{"A123-000001", "A123-000003"}));
    const auto now = parse_time("2026-12-02T10:00:00Z").value();
    resolve_relative_times(*a, now);
    EXPECT_EQ(a->expires_at, now + Millis(60000));
    EXPECT_FALSE(a->expires_in);
}

TEST(CampaignCreated, RoundTripKeepsTheSkippedDevicesWithTheirReasons) {
    CampaignCreated c;
    c.campaign = "c-20261202-100000-abcd";
    c.targets = 3;
    c.mode = TransferMode::Pull;
    c.update_at = parse_time("2026-12-02T10:20:00Z").value();
    c.expected_end = parse_time("2026-12-02T10:30:00Z").value();
    c.notes = {"no rate measured for gw1: assumed 1 MB/s"};
    c.skipped = {{"A123-000009", "UP TO DATE"}, {"Z000-000001", "UNREGISTERED"}};
    auto back = campaign_created_from_json(json_object(c).get());
    ASSERT_TRUE(back) << back.error().str();
    EXPECT_EQ(back->campaign, c.campaign);
    EXPECT_EQ(back->targets, 3u);
    EXPECT_EQ(back->update_at, c.update_at);
    EXPECT_FALSE(back->transmit_at);
    EXPECT_EQ(back->expected_end, c.expected_end);
    EXPECT_EQ(back->notes, c.notes);
    EXPECT_EQ(back->retry, c.retry);
    ASSERT_EQ(back->skipped.size(), 2u);
    EXPECT_EQ(back->skipped[1].device, "Z000-000001");
    EXPECT_EQ(back->skipped[1].reason, "UNREGISTERED");
}

}  // namespace
}  // namespace fleetcast
