#pragma once
// One thread that runs submitted tasks in order, with a bounded queue: a
// full queue refuses the task (the caller keeps it), so memory does not grow
// with what the loop asks for. The destructor drops queued tasks and waits
// for the running one.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "common/executor.hpp"

namespace fleetcast {

class WorkerThread : public Executor {
   public:
    // `name`: the thread's name as ps and gdb show it (at most 15 characters).
    WorkerThread(std::size_t capacity, const std::string& name);
    ~WorkerThread() override;
    WorkerThread(const WorkerThread&) = delete;
    WorkerThread& operator=(const WorkerThread&) = delete;

    bool submit(std::function<void()> task) override;
    // Drops the queued tasks, waits for the running one; submit() refuses from then on.
    void stop();
    // Tasks queued, not counting the running one.
    std::size_t queued() const;

   private:
    void run();
    std::size_t capacity_;
    mutable std::mutex mu_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> tasks_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace fleetcast
