#pragma once
// Where slow work runs, off a program's loop: the loop submits a task and
// learns of its end by a message the task leaves for it (never by waiting).
// Collaborator interface: programs pass a WorkerThread
// (common/worker_thread.hpp), unit tests an executor they run by hand.
#include <functional>

namespace fleetcast {

class Executor {
   public:
    virtual ~Executor() = default;
    // false: not taken (the queue is full or stopping); the caller keeps the
    // task and submits it again later.
    virtual bool submit(std::function<void()> task) = 0;
};

// Runs each task at once, inside submit(): the work stays on the caller's
// thread (as before issue 17's follow-up; the default of unit tests).
class InlineExecutor : public Executor {
   public:
    bool submit(std::function<void()> task) override {
        task();
        return true;
    }
};

}  // namespace fleetcast
