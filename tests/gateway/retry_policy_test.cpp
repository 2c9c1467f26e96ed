#include "gateway/retry_policy.hpp"

#include <gtest/gtest.h>

namespace fleetcast::gateway {
namespace {

TEST(RetryPolicy, BackoffDoublesForEachRetry) {
    RetryPolicy p;
    p.backoff = Millis(500);
    EXPECT_EQ(retry_delay(p, 1), Millis(500));
    EXPECT_EQ(retry_delay(p, 2), Millis(1000));
    EXPECT_EQ(retry_delay(p, 4), Millis(4000));
    EXPECT_EQ(retry_delay(p, 60), Millis(24LL * 3600 * 1000)) << "capped at a day";
}

TEST(RetryPolicy, RetriesAreBoundedByTheCampaignLimit) {
    RetryPolicy p;
    p.max_retries = 2;
    EXPECT_TRUE(may_retry(p, 1));
    EXPECT_TRUE(may_retry(p, 2));
    EXPECT_FALSE(may_retry(p, 3));
    p.max_retries = 0;
    EXPECT_FALSE(may_retry(p, 1));
}

TEST(RetryPolicy, TransferThatCannotFinishBeforeExpiryIsNamed) {
    auto now = TimePoint{} + std::chrono::hours(1000);
    // 1 MB at 100 kB/s needs 10 s.
    EXPECT_FALSE(cannot_finish(1000000, 100000.0, now, now + Millis(11000)));
    auto why = cannot_finish(1000000, 100000.0, now, now + Millis(9000));
    ASSERT_TRUE(why);
    EXPECT_NE(why->find("need 10.0 s"), std::string::npos) << *why;
    EXPECT_FALSE(cannot_finish(1000000, 0.0, now, now)) << "no rate measured: no early stop";
    EXPECT_FALSE(cannot_finish(0, 10.0, now, now));
}

}  // namespace
}  // namespace fleetcast::gateway
