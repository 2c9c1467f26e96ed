// Rate limits (common/rate_limits.hpp): the split of a campaign's limit over
// its gateways, the gateway's start and transfer checks, and their JSON.
#include "common/rate_limits.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "common/operator_campaign_create.hpp"

namespace fleetcast {
namespace {

using namespace std::chrono_literals;
const TimePoint kT0 = TimePoint(std::chrono::seconds(1795642200));

TEST(RateLimits, SharesOfAGatewayCountAtMostOrEqualToTheLimitSumToItExactly) {
    RateLimits l;
    l.max_per_minute = 10;
    auto shares = share_limits(l, {{"gw1", 70}, {"gw2", 20}, {"gw3", 10}});
    std::uint32_t sum = 0;
    for (const auto& [gw, s] : shares) {
        EXPECT_GE(s.max_starts, 1u) << gw;
        EXPECT_EQ(s.per, 60s) << gw;
        EXPECT_EQ(s.offset, 0ms) << gw;
        sum += s.max_starts;
    }
    EXPECT_EQ(sum, 10u) << "no minute of the whole campaign can hold more than 10 starts";
    EXPECT_GT(shares["gw1"].max_starts, shares["gw3"].max_starts) << "shares follow the targets";
}

TEST(RateLimits, MoreGatewaysThanTheLimitTakeTurnsOfOneStartEach) {
    RateLimits l;
    l.max_per_minute = 2;
    auto shares = share_limits(l, {{"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}, {"e", 1}});
    // ceil(5/2) = 3 minutes per turn; gateways 0,1 start in minute 0, 2,3 in minute 1, 4 in minute 2.
    for (const auto& [gw, s] : shares) {
        EXPECT_EQ(s.max_starts, 1u);
        EXPECT_EQ(s.per, 180s);
    }
    EXPECT_EQ(shares["a"].offset, 0s);
    EXPECT_EQ(shares["b"].offset, 0s);
    EXPECT_EQ(shares["c"].offset, 60s);
    EXPECT_EQ(shares["e"].offset, 120s);
}

TEST(RateLimits, ConcurrencyAloneGivesEveryGatewayTheSameCapAndNoStartLimit) {
    RateLimits l;
    l.max_concurrent_per_gateway = 3;
    auto shares = share_limits(l, {{"gw1", 5}, {"gw2", 1}});
    EXPECT_EQ(shares["gw1"].max_concurrent, 3u);
    EXPECT_EQ(shares["gw2"].max_starts, 0u);
    EXPECT_TRUE(transfer_allowed(shares["gw1"], 2));
    EXPECT_FALSE(transfer_allowed(shares["gw1"], 3));
    EXPECT_TRUE(transfer_allowed(GatewayLimits{}, 1000)) << "no cap";
}

TEST(RateLimits, AStartIsAllowedOnlyWhileFewerThanTheShareStartedWithinTheSpan) {
    GatewayLimits g;
    g.max_starts = 2;
    std::vector<TimePoint> starts;
    EXPECT_TRUE(start_allowed(g, kT0, kT0, starts));
    starts = {kT0, kT0 + 10s};
    EXPECT_FALSE(start_allowed(g, kT0, kT0 + 59999ms, starts));
    EXPECT_TRUE(start_allowed(g, kT0, kT0 + 60s, starts)) << "the first start left the span [t, t+60s)";
    g.offset = 120s;
    EXPECT_FALSE(start_allowed(g, kT0, kT0 + 119s, {})) << "this gateway's turn has not come";
    EXPECT_TRUE(start_allowed(g, kT0, kT0 + 120s, {}));
}

TEST(RateLimits, StartsAllowedOneByOneNeverPutMoreThanTheShareIntoAnySpan) {
    GatewayLimits g;
    g.max_starts = 3;
    std::vector<TimePoint> starts;
    for (TimePoint t = kT0; t < kT0 + 10min; t += 700ms)
        if (start_allowed(g, kT0, t, starts)) starts.push_back(t);
    ASSERT_GT(starts.size(), 20u);
    for (std::size_t i = 0; i < starts.size(); ++i) {
        auto in_span = std::count_if(starts.begin(), starts.end(),
                                     [&](TimePoint s) { return s >= starts[i] && s - starts[i] < 60s; });
        EXPECT_LE(in_span, 3) << format_time(starts[i]);
    }
}

TEST(RateLimits, PlannedStartsStepByTheSpan) {
    GatewayLimits g;
    g.max_starts = 2;
    g.offset = 60s;
    EXPECT_EQ(planned_start(g, kT0, 0), kT0 + 60s);
    EXPECT_EQ(planned_start(g, kT0, 1), kT0 + 60s);
    EXPECT_EQ(planned_start(g, kT0, 2), kT0 + 120s);
    EXPECT_EQ(planned_start(GatewayLimits{}, kT0, 99), kT0);
}

TEST(RateLimits, CampaignCreateCarriesTheLimitsAndRefusesBadValues) {
    CampaignCreateArgs a;
    a.all = true;
    a.limits.max_per_minute = 5;
    a.limits.max_concurrent_per_gateway = 2;
    auto j = Json::object();
    to_json(j.get(), a);
    auto back = campaign_create_args_from_json(j.get());
    ASSERT_TRUE(back) << back.error().str();
    EXPECT_EQ(back->limits, a.limits);
    for (const char* bad :
         {R"({"all":true,"max_per_minute":0})", R"({"all":true,"max_per_minute":-1})",
          R"({"all":true,"max_per_minute":1.5})", R"({"all":true,"max_per_minute":"5"})",
          R"({"all":true,"max_per_minute":1000001})", R"({"all":true,"max_concurrent_per_gateway":0})"}) {
        auto parsed = Json::parse(bad);
        ASSERT_TRUE(parsed);
        auto r = campaign_create_args_from_json(parsed->get());
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, "bad_args") << bad;
    }
}

TEST(RateLimits, TheScheduleCarriesTheGatewaysShareAndRefusesABadOne) {
    Schedule s;
    s.campaign = "c-1";
    s.update_at = kT0;
    s.limits.max_starts = 4;
    s.limits.per = 60s;
    s.limits.offset = 60s;
    s.limits.max_concurrent = 2;
    auto back = decode_schedule(encode(s));
    ASSERT_TRUE(back) << back.error().str();
    EXPECT_EQ(back->limits, s.limits);
    Schedule plain;
    plain.campaign = "c-2";
    plain.update_at = kT0;
    auto none = decode_schedule(encode(plain));
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->limits.any());
    std::string text = encode(s);
    auto pos = text.find("\"per_ms\":60000");
    ASSERT_NE(pos, std::string::npos);
    text.replace(pos, 14, "\"per_ms\":0");
    EXPECT_FALSE(decode_schedule(text)) << "a span of 0 ms limits nothing";
}

}  // namespace
}  // namespace fleetcast
