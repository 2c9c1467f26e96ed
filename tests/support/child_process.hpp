#pragma once
// A program under test, started with posix_spawn, output to a log file,
// killed (SIGKILL) when the object goes away if it still runs.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace fleetcast::testing {

class ChildProcess {
   public:
    ChildProcess() = default;
    ChildProcess(std::vector<std::string> argv, std::filesystem::path log_path);
    ~ChildProcess();
    ChildProcess(ChildProcess&& other) noexcept;
    ChildProcess& operator=(ChildProcess&& other) noexcept;
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    bool running();
    void signal(int sig);
    // Sends SIGTERM, waits up to `grace`, then SIGKILL. Returns the exit status (waitpid form) or -1.
    int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
    // Waits for the process to exit on its own; -1 on timeout.
    int wait_exit(std::chrono::milliseconds timeout);
    // The exit status (waitpid form) once the process ended and was reaped, -1 while it runs.
    int exit_status() { return running() ? -1 : status_; }
    pid_t pid() const { return pid_; }
    const std::filesystem::path& log_path() const { return log_; }
    std::string log_tail(std::size_t max_bytes = 4000) const;

   private:
    pid_t pid_ = -1;
    std::filesystem::path log_;
    int status_ = -1;
};

// Runs a command to completion, returns (exit code, stdout+stderr).
struct CommandResult {
    int exit_code = -1;
    std::string output;
};
CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

}  // namespace fleetcast::testing
