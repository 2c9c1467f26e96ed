#pragma once
// An Executor a test runs by hand, on its own thread: submitted tasks wait
// until run_one()/run_all(); a capacity makes submit() refuse like a full
// worker queue. No threads, so the order of events is the test's.
#include <deque>
#include <functional>

#include "common/executor.hpp"

namespace fleetcast::testing {

class ManualExecutor : public Executor {
   public:
    explicit ManualExecutor(std::size_t capacity = 64) : capacity_(capacity) {}
    bool submit(std::function<void()> task) override {
        ++submitted_;
        if (tasks_.size() >= capacity_) return false;
        tasks_.push_back(std::move(task));
        return true;
    }
    // Runs the oldest task; false when there is none.
    bool run_one() {
        if (tasks_.empty()) return false;
        auto task = std::move(tasks_.front());
        tasks_.pop_front();
        task();
        return true;
    }
    void run_all() {
        while (run_one()) {
        }
    }
    // A worker killed with the manager: its queued tasks are gone.
    void drop_all() { tasks_.clear(); }
    std::size_t queued() const { return tasks_.size(); }
    std::size_t submitted() const { return submitted_; }  // every submit() call, taken or refused

   private:
    std::size_t capacity_;
    std::deque<std::function<void()>> tasks_;
    std::size_t submitted_ = 0;
};

}  // namespace fleetcast::testing
