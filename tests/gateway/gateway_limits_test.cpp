// The gateway's side of rate limits and maintenance windows (issue 16 items
// 4 and 5), on a manual clock: first offers per span, devices in transfer,
// no offer or fetch outside the window, and both kept across a restart.
#include "common/topics.hpp"
#include "tests/gateway/gateway_fixture.hpp"

namespace fleetcast::gateway::testing {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kDevices{"A123-000001", "A123-000002", "A123-000003", "A123-000004", "A123-000005"};

class GatewayLimitsTest : public GatewayTest {
   protected:
    int offered() {
        int n = 0;
        for (const auto& d : kDevices) n += count_commands<OfferCmd>(d) > 0;
        return n;
    }
    void start(GatewayLimits limits) {
        auto s = make_schedule("c1", clock.now(), {&main_v2}, kDevices);
        s.limits = limits;
        send_schedule(s);
        send_all_chunks(main_v2);
    }
    void set_window(const std::string& spec) {
        deliver(*topics::gw_window(kGw), encode(WindowMsg{kGw, spec, "UTC", clock.now()}), true);
    }
};

TEST_F(GatewayLimitsTest, GatewayRateLimitFirstOffersKeepToTheSharePerSpan) {
    GatewayLimits l;
    l.max_starts = 2;
    start(l);
    EXPECT_EQ(offered(), 2);
    advance(59s);
    EXPECT_EQ(offered(), 2) << "the first two are still within the minute";
    advance(1s);
    EXPECT_EQ(offered(), 4);
    advance(60s);
    EXPECT_EQ(offered(), 5);
}

TEST_F(GatewayLimitsTest, GatewayRateLimitARetryIsNoNewStart) {
    GatewayLimits l;
    l.max_starts = 1;
    auto s = make_schedule("c1", clock.now(), {&main_v2}, {kDevices[0], kDevices[1]});
    s.limits = l;
    s.retry.max_retries = 2;
    s.retry.backoff = 1s;
    send_schedule(s);
    send_all_chunks(main_v2);
    ASSERT_EQ(count_commands<OfferCmd>(kDevices[0]), 1);
    // The first device fails its attempt; its retry comes within the same minute, the second device's start not.
    device_event(kDevices[0], encode(ErrorEvent{"c1", main_v2.manifest.fw_id, "write_failure", "write failed"}));
    advance(2s);
    EXPECT_EQ(count_commands<OfferCmd>(kDevices[0]), 2) << "the retry is not held by the start limit";
    EXPECT_EQ(count_commands<OfferCmd>(kDevices[1]), 0);
    advance(58s);
    EXPECT_EQ(count_commands<OfferCmd>(kDevices[1]), 1);
}

TEST_F(GatewayLimitsTest, GatewayRateLimitAtMostNInTransferAndAPlaceFreesWhenOneInstalls) {
    GatewayLimits l;
    l.max_concurrent = 2;
    start(l);
    EXPECT_EQ(offered(), 2);
    device_event(kDevices[0], encode(ReadyEvent{"c1", {main_v2.manifest.fw_id}}));
    advance(5s);  // within the answer timeout: the second is still requesting
    EXPECT_EQ(offered(), 2) << "requesting and transferring both count";
    device_event(kDevices[0], encode(ProgressEvent{"c1", "installing", 100}));
    advance(1s);
    EXPECT_EQ(offered(), 3);
}

TEST_F(GatewayLimitsTest, GatewayRateLimitTheStartsSurviveARestart) {
    GatewayLimits l;
    l.max_starts = 2;
    start(l);
    ASSERT_EQ(offered(), 2);
    restart();
    advance(30s);
    for (const auto& d : {kDevices[2], kDevices[3], kDevices[4]})
        EXPECT_EQ(count_commands<OfferCmd>(d), 0) << d << " started within the same minute after the restart";
    advance(30s);
    EXPECT_EQ(count_commands<OfferCmd>(kDevices[2]) + count_commands<OfferCmd>(kDevices[3]), 2);
}

TEST_F(GatewayLimitsTest, GatewayMaintenanceWindowNoOfferAndNoFetchBeforeTheWindowOpens) {
    // 2026-11-25T21:00Z now; the window opens at 21:30 UTC.
    set_window("daily 21:30-22:00");
    auto s = make_schedule("c1", clock.now(), {&main_v2}, {kDevices[0]});
    send_schedule(s);
    advance(29min);
    EXPECT_TRUE(fetches().empty()) << "fetched outside the window";
    EXPECT_EQ(count_commands<OfferCmd>(kDevices[0]), 0);
    advance(1min);
    ASSERT_FALSE(fetches().empty()) << "the window opened: the image is fetched";
    send_all_chunks(main_v2);
    EXPECT_EQ(count_commands<OfferCmd>(kDevices[0]), 1);
}

TEST_F(GatewayLimitsTest, GatewayMaintenanceWindowClosingHoldsTheFetchAndLetsTransfersFinish) {
    set_window("daily 21:00-21:10");
    auto s = make_schedule("c1", clock.now(), {&main_v2}, {kDevices[0], kDevices[1]});
    send_schedule(s);
    ASSERT_FALSE(fetches().empty());
    advance(10min);  // closed before the image arrived
    const auto asked = fetches().size();
    advance(5min);
    EXPECT_EQ(fetches().size(), asked) << "asked the manager for chunks outside the window";
    EXPECT_EQ(count_commands<OfferCmd>(kDevices[0]), 0);
    // Next day inside the window: the rest is fetched and both are offered.
    advance(24h - 15min);
    EXPECT_GT(fetches().size(), asked);
    send_all_chunks(main_v2);
    EXPECT_EQ(count_commands<OfferCmd>(kDevices[0]), 1);
    device_event(kDevices[0], encode(ReadyEvent{"c1", {main_v2.manifest.fw_id}}));
    advance(10min);  // closed: the transfer goes on
    device_event(kDevices[0], encode(ProgressEvent{"c1", "installing", 100}));
    EXPECT_EQ(job_reports(kDevices[0]).back().state, JobState::Installing);
}

TEST_F(GatewayLimitsTest, GatewayMaintenanceWindowIsKeptAcrossARestartAndBadOnesAreCounted) {
    set_window("daily 21:30-22:00");
    deliver(*topics::gw_window(kGw), "not json", true);
    deliver(*topics::gw_window(kGw), encode(WindowMsg{"gw2", "daily 00:00-24:00", "UTC", clock.now()}), true);
    EXPECT_EQ(counter("bad_window"), 2u);
    EXPECT_EQ(counter("bad_input"), 2u);
    restart();
    auto s = make_schedule("c1", clock.now(), {&main_v2}, {kDevices[0]});
    send_schedule(s);
    advance(10min);
    EXPECT_TRUE(fetches().empty()) << "the restarted gateway forgot its window";
    // An empty retained window: none, updates start at once.
    deliver(*topics::gw_window(kGw), "", true);
    EXPECT_FALSE(fetches().empty());
}

}  // namespace
}  // namespace fleetcast::gateway::testing
