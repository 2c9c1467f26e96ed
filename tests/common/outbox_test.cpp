// The outbox that keeps the loop thread out of Paho.
#include <gtest/gtest.h>

#include <vector>

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
