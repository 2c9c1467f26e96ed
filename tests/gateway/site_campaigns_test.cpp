// What a gateway holds of each campaign (gateway/site_campaigns.hpp): only
// manifests that verify are used, a manifest stays while any schedule has
// it, and campaign holds decide what is held and which images can go.
#include "gateway/site_campaigns.hpp"

#include <gtest/gtest.h>

#include "tests/gateway/gateway_fixture.hpp"
#include "tests/support/test_keys.hpp"

namespace fleetcast::gateway {
namespace {

// A signed manifest (its fw_id is its image's hash: other seeds, other ids).
FirmwareManifest signed_manifest(char seed) { return testing::make_image("A123", "main", "2.0", 3000, seed).manifest; }

Schedule schedule_of(const std::string& campaign, std::vector<FirmwareManifest> firmware) {
    Schedule s;
    s.campaign = campaign;
    s.firmware = std::move(firmware);
    s.retry.max_retries = 5;
    return s;
}

struct SiteCampaignsTest : ::testing::Test {
    ManualClock clock{TimePoint(std::chrono::seconds(1800000000))};
    SiteCampaigns campaigns{fleetcast::testing::test_trust_keys(), clock};
};

TEST_F(SiteCampaignsTest, OnlyManifestsThatVerifyAreUsedAndTheOthersComeBackWithTheReason) {
    auto other = SigningKey::generate();
    ASSERT_TRUE(other);
    const auto good = signed_manifest('a');
    auto img = testing::make_image("A123", "main", "2.0", 3000, 'b');
    fleetcast::testing::sign_for_test(img.manifest, img.bytes, *other);
    const auto foreign = img.manifest;
    auto bad = campaigns.put_schedule(schedule_of("c1", {good, foreign}));
    ASSERT_EQ(bad.size(), 1u);
    EXPECT_TRUE(bad.count(foreign.fw_id));
    EXPECT_NE(campaigns.manifest(good.fw_id), nullptr);
    EXPECT_EQ(campaigns.manifest(foreign.fw_id), nullptr) << "a foreign manifest is never used";
    ASSERT_NE(campaigns.schedule("c1"), nullptr) << "the schedule is kept as the manager sent it";
    EXPECT_EQ(campaigns.retry_policy("c1").max_retries, 5u);
    EXPECT_EQ(campaigns.retry_policy("c-unknown"), RetryPolicy{});
}

TEST_F(SiteCampaignsTest, AManifestStaysWhileAnotherScheduleStillHasIt) {
    const auto shared = signed_manifest('a');
    const auto own = signed_manifest('c');
    campaigns.put_schedule(schedule_of("c1", {shared}));
    campaigns.put_schedule(schedule_of("c2", {shared, own}));
    campaigns.forget("c2");
    EXPECT_NE(campaigns.manifest(shared.fw_id), nullptr);
    EXPECT_EQ(campaigns.manifest(own.fw_id), nullptr);
    EXPECT_EQ(campaigns.schedule("c2"), nullptr);
}

TEST_F(SiteCampaignsTest, PausedAndCanceledAreHeldAndACanceledCampaignFreesItsImages) {
    const auto shared = signed_manifest('a');
    const auto own = signed_manifest('c');
    campaigns.put_schedule(schedule_of("c1", {shared, own}));
    campaigns.put_schedule(schedule_of("c2", {shared}));
    EXPECT_FALSE(campaigns.held("c1"));
    campaigns.set_hold("c1", CampaignHold{CampaignAction::Pause, "r1", "", clock.now()});
    EXPECT_TRUE(campaigns.held("c1"));
    EXPECT_EQ(campaigns.images_only_for("c1"), (std::set<std::string>{own.fw_id}));
    campaigns.set_hold("c2", CampaignHold{CampaignAction::Cancel, "r2", "", clock.now()});
    EXPECT_TRUE(campaigns.held("c2"));
    EXPECT_EQ(campaigns.images_only_for("c1"), (std::set<std::string>{shared.fw_id, own.fw_id}))
        << "a canceled campaign needs no image any more";
    campaigns.set_hold("c1", CampaignHold{CampaignAction::Resume, "r3", "", clock.now()});
    EXPECT_FALSE(campaigns.held("c1"));
    ASSERT_NE(campaigns.hold("c1"), nullptr);
    EXPECT_EQ(campaigns.hold("c1")->request_id, "r3");
}

TEST_F(SiteCampaignsTest, LoadedSchedulesGetTheirVerifiedManifestsBack) {
    const auto m = signed_manifest('a');
    campaigns.load({schedule_of("c1", {m})}, {{"c1", CampaignHold{CampaignAction::Pause, "r1", "why", clock.now()}}});
    EXPECT_NE(campaigns.manifest(m.fw_id), nullptr);
    EXPECT_TRUE(campaigns.held("c1"));
}

}  // namespace
}  // namespace fleetcast::gateway
