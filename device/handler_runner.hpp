#pragma once
// Runs one external program (an update handler step, a health check, a reboot
// command) the safe way: fork + execv of an argument vector (no shell, so no
// argument is ever interpreted), in a process group of its own, an optional
// file streamed to its stdin in small pieces (never the whole file in
// memory), stdout and stderr captured and bounded to their last bytes, and at
// the timeout the whole process group killed (SIGTERM, then SIGKILL after a
// grace period). Blocking: the caller waits until the program is done.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace fleetcast::device {

struct ProcessSpec {
    std::vector<std::string> argv;                    // argv[0] is the program's path (no PATH search)
    std::map<std::string, std::string> env;           // added to (or replacing in) the agent's environment
    std::optional<std::filesystem::path> stdin_file;  // streamed to stdin; otherwise stdin is /dev/null
    std::chrono::milliseconds timeout{60000};
    std::chrono::milliseconds kill_grace{1000};  // SIGTERM to SIGKILL
    std::size_t output_tail = 16 * 1024;         // bytes kept of each of stdout and stderr (the last ones)
};

struct ProcessResult {
    enum class End { Exited, Signaled, TimedOut };
    End end = End::Exited;
    int exit_code = -1;  // Exited
    int signal = 0;      // Signaled
    std::string stdout_tail, stderr_tail;
    std::uint64_t stdout_bytes = 0, stderr_bytes = 0;  // everything it wrote
    std::chrono::milliseconds took{0};
    bool succeeded() const { return end == End::Exited && exit_code == 0; }
    // "exit 3", "killed by signal 9", "timed out after 5000 ms".
    std::string how_it_ended(std::chrono::milliseconds timeout) const;
    // The last `max` bytes of stderr (or stdout when stderr is empty), one line.
    std::string output_tail(std::size_t max = 512) const;
};

// Errors only when the program could not be run at all (no such file, not
// executable, fork or pipe failure): code "not_runnable".
Expected<ProcessResult> run_process(const ProcessSpec& spec);

// "CMD ARG ARG" split at whitespace into an argument vector (no shell, no
// quoting): what --health-check and --reboot-command take.
std::vector<std::string> split_command(const std::string& command);

}  // namespace fleetcast::device
