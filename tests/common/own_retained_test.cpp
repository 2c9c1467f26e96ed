// A program's watch on its own retained state (common/own_retained.hpp): its
// echoes are never foreign however many are on their way; a stranger's copy,
// an empty message and a stale copy are.
#include "common/own_retained.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using fleetcast::OwnRetained;

namespace {
std::string state(int n) { return R"({"type":"process_state","counters":{"reports":)" + std::to_string(n) + "}}"; }
}  // namespace

TEST(OwnRetained, EchoesOfManyPublishesInFlightAreAllOwn) {
    OwnRetained own;
    for (int i = 0; i < 100; ++i) own.published(state(i));
    for (int i = 0; i < 100; ++i) EXPECT_FALSE(own.foreign(state(i))) << i;
    EXPECT_EQ(own.outstanding(), 0u);
}

TEST(OwnRetained, AnEchoSkippedByTheBrokerDoesNotMakeTheLaterOnesForeign) {
    OwnRetained own;
    for (int i = 0; i < 10; ++i) own.published(state(i));
    EXPECT_FALSE(own.foreign(state(3)));
    EXPECT_FALSE(own.foreign(state(9)));
    EXPECT_EQ(own.outstanding(), 0u);
}

TEST(OwnRetained, AStrangersPayloadAnEmptyOneAndAStaleCopyAreForeign) {
    OwnRetained own;
    own.published(state(1));
    own.published(state(2));
    EXPECT_TRUE(own.foreign(""));
    EXPECT_TRUE(own.foreign(R"({"type":"process_state","status":"offline"})"));
    EXPECT_FALSE(own.foreign(state(2)));
    // The older payload after the newer one: the broker holds a stale copy.
    EXPECT_TRUE(own.foreign(state(1)));
}

TEST(OwnRetained, TheRetainedCopyHandedOverOnANewSubscriptionIsStillOwn) {
    OwnRetained own;
    own.published(state(7));
    EXPECT_FALSE(own.foreign(state(7)));
    EXPECT_FALSE(own.foreign(state(7)));  // resubscribed after a reconnect
    EXPECT_TRUE(own.foreign(state(8)));   // never published
}

TEST(OwnRetained, PublishesBeyondTheLimitCostOneRestoreNotALoop) {
    OwnRetained own;
    const int n = static_cast<int>(OwnRetained::kMaxOutstanding) + 10;
    for (int i = 0; i < n; ++i) own.published(state(i));
    EXPECT_EQ(own.outstanding(), OwnRetained::kMaxOutstanding);
    int foreign = 0;
    for (int i = 0; i < n; ++i) foreign += own.foreign(state(i));
    EXPECT_EQ(foreign, 10);  // only the ten it could not wait for
}
