#pragma once
// An Executor whose tasks wait, on the executor's own thread, while a file
// exists (fleetcast-manager --delta-hold-file): integration tests hold the
// delta worker to observe the manager while a delta is "being made",
// deterministically, by the order of events rather than by how fast the
// machine is. Without the file, tasks run as submitted.
#include <chrono>
#include <filesystem>
#include <thread>

#include "common/executor.hpp"

namespace fleetcast {

class HeldExecutor : public Executor {
   public:
    HeldExecutor(Executor& inner, std::filesystem::path hold_file) : inner_(inner), hold_(std::move(hold_file)) {}
    bool submit(std::function<void()> task) override {
        return inner_.submit([hold = hold_, task = std::move(task)] {
            std::error_code ec;
            while (std::filesystem::exists(hold, ec)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
            task();
        });
    }

   private:
    Executor& inner_;
    std::filesystem::path hold_;
};

}  // namespace fleetcast
