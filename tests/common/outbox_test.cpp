// The outbox that keeps the loop thread out of Paho.
#include <gtest/gtest.h>

#include <vector>

#include "common/blocking_queue.hpp"
#include "common/outbox_transport.hpp"

namespace fleetcast {
namespace {

TEST(Outbox, RunsOperationsInOrderAndFlushesOnStop) {
    std::vector<int> done;
    {
        Outbox outbox;
        for (int i = 0; i < 1000; ++i) outbox.post([&done, i] { done.push_back(i); });
        outbox.flush_and_stop();
        outbox.post([&done] { done.push_back(-1); });  // after stop: dropped
    }
    ASSERT_EQ(done.size(), 1000u);
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(done[static_cast<std::size_t>(i)], i);
}

}  // namespace
}  // namespace fleetcast

TEST(BlockingQueue, UrgentItemsOvertakeQueuedOnesAndEachLaneHasTheCapacity) {
    fleetcast::BlockingQueue<int> q(2);
    ASSERT_TRUE(q.push(1));
    ASSERT_TRUE(q.push(2));
    ASSERT_TRUE(q.push(10, true));  // the normal lane is full: the urgent one is not
    ASSERT_TRUE(q.push(11, true));
    EXPECT_EQ(q.size(), 4u);
    std::vector<int> order;
    while (auto v = q.pop_for(std::chrono::milliseconds(0))) order.push_back(*v);
    EXPECT_EQ(order, (std::vector<int>{10, 11, 1, 2}));
}
