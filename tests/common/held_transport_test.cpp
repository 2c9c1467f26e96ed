// HeldTransport (issue 20): what a manager's batch of reports sends leaves
// only after the batch is stored, in order, or not at all.
#include "common/held_transport.hpp"

#include <gtest/gtest.h>

#include "tests/support/recording_transport.hpp"

namespace fleetcast {
namespace {

TEST(HeldTransport, NotHeldItForwardsAtOnce) {
    testing::RecordingTransport inner;
    HeldTransport t(inner);
    ASSERT_TRUE(t.publish("a", "1", true));
    ASSERT_TRUE(t.subscribe("f/#"));
    ASSERT_EQ(inner.published.size(), 1u);
    EXPECT_TRUE(inner.published[0].retained);
    EXPECT_EQ(inner.subscriptions.count("f/#"), 1u);
}

TEST(HeldTransport, HeldOperationsLeaveInOrderOnReleaseAndCountAsInFlight) {
    testing::RecordingTransport inner;
    HeldTransport t(inner);
    t.hold();
    ASSERT_TRUE(t.publish("a", "1"));
    ASSERT_TRUE(t.subscribe("f/#"));
    ASSERT_TRUE(t.publish("b", "", true));
    EXPECT_TRUE(inner.published.empty());
    EXPECT_TRUE(inner.subscriptions.empty());
    EXPECT_EQ(t.in_flight(), 3u);
    ASSERT_TRUE(t.release());
    EXPECT_FALSE(t.holding());
    ASSERT_EQ(inner.published.size(), 2u);
    EXPECT_EQ(inner.published[0].topic, "a");
    EXPECT_EQ(inner.published[1].topic, "b");
    EXPECT_TRUE(inner.published[1].retained);
    EXPECT_EQ(inner.subscriptions.count("f/#"), 1u);
    EXPECT_EQ(t.in_flight(), 0u);
    ASSERT_TRUE(t.publish("c", "2"));  // released: at once again
    EXPECT_EQ(inner.published.size(), 3u);
}

TEST(HeldTransport, DroppedOperationsNeverLeave) {
    testing::RecordingTransport inner;
    HeldTransport t(inner);
    t.hold();
    ASSERT_TRUE(t.publish("a", "1"));
    t.drop();
    EXPECT_EQ(t.in_flight(), 0u);
    ASSERT_TRUE(t.release());
    EXPECT_TRUE(inner.published.empty());
}

}  // namespace
}  // namespace fleetcast
