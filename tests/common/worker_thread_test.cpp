// The thread deltas are made on (issue 17 follow-up): tasks run in order,
// off the caller's thread; a full queue refuses a task instead of growing.
#include "common/worker_thread.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <vector>

namespace fleetcast {
namespace {

TEST(WorkerThread, RunsTasksInOrderOffTheCallersThreadAndRefusesWhenItsQueueIsFull) {
    std::promise<void> release;
    auto released = release.get_future().share();
    std::promise<void> started;
    std::mutex mu;
    std::vector<int> order;
    std::vector<std::thread::id> threads;
    std::promise<void> all_done;
    {
        WorkerThread worker(2, "test-worker");
        // The first task holds the thread until the test releases it: the queue behind it fills.
        ASSERT_TRUE(worker.submit([&] {
            started.set_value();
            released.wait();
        }));
        started.get_future().wait();
        for (int i = 1; i <= 2; ++i)
            ASSERT_TRUE(worker.submit([&, i] {
                std::lock_guard lock(mu);
                order.push_back(i);
                threads.push_back(std::this_thread::get_id());
                if (i == 2) all_done.set_value();
            }));
        EXPECT_EQ(worker.queued(), 2u);
        EXPECT_FALSE(worker.submit([] {})) << "a third queued task is refused: the caller keeps it";
        release.set_value();
        all_done.get_future().wait();
        EXPECT_TRUE(worker.submit([] {})) << "room again";
    }
    EXPECT_EQ(order, (std::vector<int>{1, 2}));
    for (const auto& id : threads) EXPECT_NE(id, std::this_thread::get_id());
}

TEST(WorkerThread, StoppingDropsQueuedTasksAndWaitsForTheRunningOne) {
    std::promise<void> release;
    auto released = release.get_future().share();
    std::promise<void> started;
    std::atomic<bool> running_finished{false}, queued_ran{false};
    WorkerThread worker(4, "test-worker");
    ASSERT_TRUE(worker.submit([&] {
        started.set_value();
        released.wait();
        running_finished = true;
    }));
    ASSERT_TRUE(worker.submit([&] { queued_ran = true; }));
    started.get_future().wait();
    std::thread stopper([&] { worker.stop(); });
    // The worker is busy: only stop() can empty its queue.
    while (worker.queued() != 0) std::this_thread::yield();
    release.set_value();
    stopper.join();
    EXPECT_TRUE(running_finished) << "stop() waited for the running task";
    EXPECT_FALSE(queued_ran) << "a queued task is dropped at stop";
    EXPECT_FALSE(worker.submit([] {})) << "refused once stopped";
}

}  // namespace
}  // namespace fleetcast
