// Planner maths (R9): times from image sizes and link rates, on a manual clock.
#include <gtest/gtest.h>

#include "manager/schedule_planner.hpp"

namespace fleetcast::manager {
namespace {

using namespace std::chrono_literals;

const TimePoint kNow = TimePoint(std::chrono::seconds(1795642200));
constexpr std::uint64_t MB = 1000 * 1000;

// gw1 must download 10 MB; its device A123-000001 needs 1 MB.
std::vector<GatewayLoad> one_gateway() {
    GatewayLoad g;
    g.gateway = "gw1";
    g.download_bytes = 10 * MB;
    g.device_bytes = {{"A123-000001", 1 * MB}};
    return {g};
}

RateTable measured() {
    RateTable r;
    r.gateway["gw1"] = 1.0 * MB;                  // 10 s download
    r.device[{"gw1", "A123-000001"}] = 0.5 * MB;  // 2 s delivery
    return r;
}

TimeRequest push() {
    TimeRequest r;
    r.mode = TransferMode::Push;
    return r;
}

TEST(SchedulePlanner, PushAsapTransmitsNowAndUpdatesWhenTheDownloadAndMarginAreOver) {
    ManualClock clock(kNow);
    auto plan = plan_times(push(), clock.now(), one_gateway(), measured());
    ASSERT_TRUE(plan) << plan.error().str();
    EXPECT_EQ(plan->download, 10s);
    EXPECT_EQ(plan->delivery, 2s);
    ASSERT_TRUE(plan->transmit_at);
    EXPECT_EQ(*plan->transmit_at, kNow);
    // margin = max(2 s, 25 % of 10 s) = 2.5 s
    EXPECT_EQ(plan->update_at, kNow + 12500ms);
    EXPECT_EQ(plan->expected_end, kNow + 14500ms);
    EXPECT_TRUE(plan->notes.empty());
}

TEST(SchedulePlanner, PushWithOnlyAnUpdateTimeTransmitsJustEarlyEnough) {
    ManualClock clock(kNow);
    auto req = push();
    req.update_at = kNow + 1h;
    auto plan = plan_times(req, clock.now(), one_gateway(), measured());
    ASSERT_TRUE(plan) << plan.error().str();
    EXPECT_EQ(*plan->transmit_at, kNow + 1h - 12500ms);
    EXPECT_EQ(plan->update_at, kNow + 1h);
    EXPECT_EQ(plan->expected_end, kNow + 1h + 2s);
}

TEST(SchedulePlanner, PushUpdateTooSoonForTheDownloadTransmitsNowAndSaysSo) {
    ManualClock clock(kNow);
    auto req = push();
    req.update_at = kNow + 5s;
    auto plan = plan_times(req, clock.now(), one_gateway(), measured());
    ASSERT_TRUE(plan) << plan.error().str();
    EXPECT_EQ(*plan->transmit_at, kNow);
    ASSERT_EQ(plan->notes.size(), 1u);
    EXPECT_NE(plan->notes[0].find("after update_at"), std::string::npos);
    // The devices start once the image is there: 10 s download + 2 s delivery.
    EXPECT_EQ(plan->expected_end, kNow + 12s);
}

TEST(SchedulePlanner, PullUpdatesAtTheGivenTimeAndEndsAfterDownloadAndDelivery) {
    ManualClock clock(kNow);
    TimeRequest req;
    req.update_at = kNow + 30min;
    auto plan = plan_times(req, clock.now(), one_gateway(), measured());
    ASSERT_TRUE(plan) << plan.error().str();
    EXPECT_FALSE(plan->transmit_at);
    EXPECT_EQ(plan->update_at, kNow + 30min);
    EXPECT_EQ(plan->expected_end, kNow + 30min + 12s);
}

TEST(SchedulePlanner, UnknownOrZeroRateUsesTheAssumedRateAndSaysSo) {
    ManualClock clock(kNow);
    RateTable rates;
    rates.gateway["gw1"] = 0.0;  // a zero figure is no figure: never a division by zero
    PlannerSettings s;
    s.assumed_rate = 2.0 * MB;
    auto plan = plan_times(push(), clock.now(), one_gateway(), rates, s);
    ASSERT_TRUE(plan) << plan.error().str();
    EXPECT_EQ(plan->download, 5s);
    EXPECT_EQ(plan->delivery, 500ms);
    EXPECT_EQ(plan->notes.size(), 2u);      // the gateway link and the device link
    EXPECT_EQ(plan->update_at, kNow + 7s);  // 5 s + max(2 s, 1.25 s)
}

TEST(SchedulePlanner, UnmeasuredDeviceLinksAreOneNotePerGateway) {
    ManualClock clock(kNow);
    GatewayLoad g;
    g.gateway = "gw1";
    g.download_bytes = 10 * MB;
    for (int i = 0; i < 1000; ++i) g.device_bytes["A123-" + std::to_string(100000 + i)] = 10 * MB;
    RateTable rates;
    rates.gateway["gw1"] = 2.0 * MB;
    rates.device[{"gw1", "A123-100000"}] = 4.0 * MB;  // one measured: not counted
    PlannerSettings s;
    s.assumed_rate = 2.0 * MB;
    auto plan = plan_times(push(), clock.now(), {g}, rates, s);
    ASSERT_TRUE(plan) << plan.error().str();
    ASSERT_EQ(plan->notes.size(), 1u);
    EXPECT_NE(plan->notes[0].find("999 device links of gw1"), std::string::npos) << plan->notes[0];
    EXPECT_EQ(plan->delivery, 5s) << "the slowest (assumed) link decides";
}

TEST(SchedulePlanner, PastTimesMoveToNow) {
    ManualClock clock(kNow);
    auto req = push();
    req.transmit_at = kNow - 1h;
    req.update_at = kNow - 30min;
    auto plan = plan_times(req, clock.now(), one_gateway(), measured());
    ASSERT_TRUE(plan) << plan.error().str();
    EXPECT_EQ(*plan->transmit_at, kNow);
    EXPECT_EQ(plan->update_at, kNow);
    EXPECT_GE(plan->notes.size(), 2u);
}

TEST(SchedulePlanner, NothingToTransferUpdatesNow) {
    ManualClock clock(kNow);
    auto plan = plan_times(push(), clock.now(), {}, {});
    ASSERT_TRUE(plan) << plan.error().str();
    EXPECT_EQ(plan->update_at, kNow + 2s);  // the minimum margin only
    EXPECT_EQ(plan->expected_end, plan->update_at);
}

TEST(SchedulePlanner, ContradictoryTimesAreClearErrors) {
    ManualClock clock(kNow);
    struct Case {
        const char* what;
        TimeRequest req;
    };
    TimeRequest expiry_before_update;
    expiry_before_update.update_at = kNow + 2h;
    expiry_before_update.expires_at = kNow + 1h;
    TimeRequest expiry_past;
    expiry_past.expires_at = kNow - 1s;
    TimeRequest expiry_before_planned_update = push();  // planned update at now + 12.5 s
    expiry_before_planned_update.expires_at = kNow + 10s;
    TimeRequest transmit_after_update = push();
    transmit_after_update.update_at = kNow + 1h;
    transmit_after_update.transmit_at = kNow + 2h;
    TimeRequest transmit_in_pull;
    transmit_in_pull.transmit_at = kNow + 1h;
    TimeRequest asap_with_time = push();
    asap_with_time.asap = true;
    asap_with_time.update_at = kNow + 1h;
    for (const auto& c :
         {Case{"not after update_at", expiry_before_update}, Case{"in the past", expiry_past},
          Case{"not after update_at", expiry_before_planned_update}, Case{"is after update_at", transmit_after_update},
          Case{"push mode only", transmit_in_pull}, Case{"asap excludes", asap_with_time}}) {
        auto plan = plan_times(c.req, clock.now(), one_gateway(), measured());
        ASSERT_FALSE(plan) << c.what;
        EXPECT_EQ(plan.error().code, "bad_args");
        EXPECT_NE(plan.error().message.find(c.what), std::string::npos) << plan.error().message;
    }
}

TEST(SchedulePlanner, TransferTimeRoundsUp) {
    EXPECT_EQ(transfer_time(0, 1.0), 0ms);
    EXPECT_EQ(transfer_time(1, 1000.0), 1ms);
    EXPECT_EQ(transfer_time(1001, 1000.0), 1001ms);
}

// Issue 16 item 4: 6 devices of 1 MB at 0.5 MB/s (2 s each), image cached at now + 10 s.
GatewayLoad six_devices(GatewayLimits limits) {
    GatewayLoad g;
    g.gateway = "gw1";
    g.download_bytes = 10 * MB;
    g.limits = limits;
    for (int i = 1; i <= 6; ++i) g.device_bytes["A123-00000" + std::to_string(i)] = 1 * MB;
    return g;
}

TEST(SchedulePlannerLimits, WithoutLimitsEveryDeviceStartsWhenTheImageIsThere) {
    EXPECT_EQ(gateway_end(kNow, kNow + 10s, {2s, 2s, 2s, 2s, 2s, 2s}, GatewayLimits{}), kNow + 12s);
}

TEST(SchedulePlannerLimits, StartsPerMinuteSpaceTheDevicesByMinutes) {
    GatewayLimits l;
    l.max_starts = 2;
    // Starts at +10 s (2), +70 s (2), +130 s (2): the last ends at +132 s.
    EXPECT_EQ(gateway_end(kNow, kNow + 10s, {2s, 2s, 2s, 2s, 2s, 2s}, l), kNow + 132s);
    l.offset = 60s;  // this gateway's turn comes a minute after update_at
    EXPECT_EQ(gateway_end(kNow, kNow + 10s, {2s, 2s, 2s, 2s, 2s, 2s}, l), kNow + 182s);
}

TEST(SchedulePlannerLimits, ConcurrencyRunsTheDevicesInTurns) {
    GatewayLimits l;
    l.max_concurrent = 4;
    // 4 from +10 s to +12 s, then 2 from +12 s to +14 s.
    EXPECT_EQ(gateway_end(kNow, kNow + 10s, {2s, 2s, 2s, 2s, 2s, 2s}, l), kNow + 14s);
    l.max_concurrent = 1;
    EXPECT_EQ(gateway_end(kNow, kNow + 10s, {2s, 2s, 2s, 2s, 2s, 2s}, l), kNow + 22s);
}

TEST(SchedulePlannerLimits, TheExpectedEndOfTheCampaignCountsTheLimits) {
    GatewayLimits l;
    l.max_starts = 2;
    TimeRequest pull;
    RateTable rates = measured();
    for (int i = 1; i <= 6; ++i) rates.device[{"gw1", "A123-00000" + std::to_string(i)}] = 0.5 * MB;
    auto plan = plan_times(pull, kNow, {six_devices(l)}, rates);
    ASSERT_TRUE(plan) << plan.error().str();
    // Pull: fetch from now (10 s), then three minutes' turns of 2 s transfers.
    EXPECT_EQ(plan->expected_end, kNow + 132s);
    bool noted = false;
    for (const auto& n : plan->notes) noted = noted || n.find("rate limits") != std::string::npos;
    EXPECT_TRUE(noted);
}

TEST(SchedulePlannerWindows, DevicesStartAndTheGatewayFetchesOnlyInsideItsWindow) {
    // kNow = 2026-11-25T21:30:00Z (Wednesday). Window: daily 23:00-23:30 UTC.
    auto w = parse_window("daily 23:00-23:30", "UTC");
    ASSERT_TRUE(w);
    GatewayLoad g = six_devices(GatewayLimits{});
    g.window = *w;
    TimeRequest pull;
    RateTable rates = measured();
    for (int i = 1; i <= 6; ++i) rates.device[{"gw1", "A123-00000" + std::to_string(i)}] = 0.5 * MB;
    auto plan = plan_times(pull, kNow, {g}, rates);
    ASSERT_TRUE(plan) << plan.error().str();
    const TimePoint opens = kNow + 90min;
    EXPECT_EQ(plan->update_at, kNow) << "the schedule's time stays; the gateway waits for its window";
    EXPECT_EQ(plan->expected_end, opens + 12s);
    // A start that would fall after the window closes waits for the next day's opening.
    GatewayLimits one_per_10min;
    one_per_10min.max_starts = 1;
    one_per_10min.per = 10min;
    EXPECT_EQ(gateway_end(opens, opens + 10s, {2s, 2s, 2s, 2s}, one_per_10min, *w), opens + 24h + 2s);
}

}  // namespace
}  // namespace fleetcast::manager
