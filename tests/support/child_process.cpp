#include "tests/support/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace fleetcast::testing {

ChildProcess::ChildProcess(std::vector<std::string> argv, std::filesystem::path log_path) : log_(std::move(log_path)) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    int rc = posix_spawnp(&pid_, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
}

ChildProcess::~ChildProcess() {
    if (pid_ > 0 && running()) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status_, 0);
    }
}

ChildProcess::ChildProcess(ChildProcess&& o) noexcept : pid_(o.pid_), log_(std::move(o.log_)), status_(o.status_) {
    o.pid_ = -1;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& o) noexcept {
    if (this != &o) {
        if (pid_ > 0 && running()) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status_, 0);
        }
        pid_ = o.pid_;
        log_ = std::move(o.log_);
        status_ = o.status_;
        o.pid_ = -1;
    }
    return *this;
}

bool ChildProcess::running() {
    if (pid_ <= 0) return false;
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == 0) return true;
    if (r == pid_) status_ = st;
    pid_ = r == pid_ ? -pid_ : pid_;  // remember it ended
    return false;
}

void ChildProcess::signal(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
}

int ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() > deadline) return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return status_;
}

int ChildProcess::stop(std::chrono::milliseconds grace) {
    if (!running()) return status_;
    signal(SIGTERM);
    if (wait_exit(grace) != -1) return status_;
    signal(SIGKILL);
    return wait_exit(std::chrono::seconds(5));
}

std::string ChildProcess::log_tail(std::size_t max_bytes) const {
    std::ifstream in(log_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto s = ss.str();
    return s.size() > max_bytes ? s.substr(s.size() - max_bytes) : s;
}

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    char tmpl[] = "/tmp/fleetcast-cmd-XXXXXX";
    int fd = ::mkstemp(tmpl);
    if (fd >= 0) ::close(fd);
    CommandResult r;
    {
        ChildProcess p(argv, tmpl);
        int st = p.wait_exit(timeout);
        if (st == -1) {
            p.stop(std::chrono::milliseconds(100));
            r.exit_code = -1;
        } else {
            r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        r.output = p.log_tail(1 << 20);
    }
    ::unlink(tmpl);
    return r;
}

}  // namespace fleetcast::testing
