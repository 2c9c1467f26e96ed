#include "device/handler_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <sstream>

extern char** environ;

namespace fleetcast::device {

namespace {
using Clock = std::chrono::steady_clock;

struct Fd {
    int fd = -1;
    Fd() = default;
    explicit Fd(int f) : fd(f) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }
    void reset() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

bool make_pipe(Fd& read_end, Fd& write_end) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return false;
    read_end.fd = p[0];
    write_end.fd = p[1];
    return true;
}

// Keeps the last `limit` bytes of a stream: amortised, never more than 2 * limit held.
void keep_tail(std::string& tail, const char* data, std::size_t n, std::size_t limit) {
    tail.append(data, n);
    if (tail.size() > 2 * limit) tail.erase(0, tail.size() - limit);
}

void trim_tail(std::string& tail, std::size_t limit) {
    if (tail.size() > limit) tail.erase(0, tail.size() - limit);
}

std::vector<std::string> environment_of(const std::map<std::string, std::string>& extra) {
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) {
        std::string entry(*e);
        auto eq = entry.find('=');
        if (eq != std::string::npos && extra.count(entry.substr(0, eq))) continue;
        env.push_back(std::move(entry));
    }
    for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
    return env;
}

// Only async-signal-safe calls between fork and exec.
[[noreturn]] void exec_child(int in, int out, int err, char* const* argv, char* const* envp) {
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD}) ::signal(s, SIG_DFL);
    if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) ::_exit(127);
    ::execve(argv[0], argv, envp);
    const char msg[] = "cannot execute the program\n";
    ssize_t ignored = ::write(2, msg, sizeof msg - 1);
    (void)ignored;
    ::_exit(127);
}

// Writing into a pipe whose reader is gone raises SIGPIPE: blocked on this
// thread while we feed stdin, and a pending one consumed, so EPIPE comes back instead.
struct SigpipeBlocked {
    sigset_t old;
    SigpipeBlocked() {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGPIPE);
        ::pthread_sigmask(SIG_BLOCK, &s, &old);
    }
    ~SigpipeBlocked() {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGPIPE);
        timespec zero{0, 0};
        while (::sigtimedwait(&s, nullptr, &zero) > 0) {
        }
        ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    }
};
}  // namespace

std::string ProcessResult::how_it_ended(std::chrono::milliseconds timeout) const {
    switch (end) {
        case End::Exited: return "exit " + std::to_string(exit_code);
        case End::Signaled: return "killed by signal " + std::to_string(signal);
        case End::TimedOut: return "timed out after " + std::to_string(timeout.count()) + " ms (process group killed)";
    }
    return "unknown";
}

std::string ProcessResult::output_tail(std::size_t max) const {
    std::string t = stderr_tail.empty() ? stdout_tail : stderr_tail;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
    if (t.size() > max) t = "..." + t.substr(t.size() - max);
    for (auto& c : t)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
        else if (static_cast<unsigned char>(c) < 0x20) c = '?';
    return t;
}

std::vector<std::string> split_command(const std::string& command) {
    std::vector<std::string> words;
    std::istringstream in(command);
    std::string w;
    while (in >> w) words.push_back(w);
    return words;
}

Expected<ProcessResult> run_process(const ProcessSpec& spec) {
    if (spec.argv.empty()) return make_error("not_runnable", "no program given");
    const std::string& program = spec.argv.front();
    if (::access(program.c_str(), X_OK) != 0)
        return make_error("not_runnable", program + " is not an executable file: " + std::strerror(errno));
    Fd in_r, in_w, out_r, out_w, err_r, err_w;
    if (spec.stdin_file) {
        if (!make_pipe(in_r, in_w)) return make_error("not_runnable", std::string("pipe: ") + std::strerror(errno));
    } else {
        in_r.fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (in_r.fd < 0) return make_error("not_runnable", std::string("/dev/null: ") + std::strerror(errno));
    }
    if (!make_pipe(out_r, out_w) || !make_pipe(err_r, err_w))
        return make_error("not_runnable", std::string("pipe: ") + std::strerror(errno));
    Fd image;
    if (spec.stdin_file) {
        image.fd = ::open(spec.stdin_file->c_str(), O_RDONLY | O_CLOEXEC);
        if (image.fd < 0) return make_error("not_runnable", spec.stdin_file->string() + ": " + std::strerror(errno));
    }
    std::vector<std::string> env = environment_of(spec.env);
    std::vector<char*> argv, envp;
    std::vector<std::string> args = spec.argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);

    const auto started = Clock::now();
    pid_t pid = ::fork();
    if (pid < 0) return make_error("not_runnable", std::string("fork: ") + std::strerror(errno));
    if (pid == 0) exec_child(in_r.fd, out_w.fd, err_w.fd, argv.data(), envp.data());
    ::setpgid(pid, pid);  // also in the child: whichever runs first
    in_r.reset();
    out_w.reset();
    err_w.reset();
    for (int fd : {in_w.fd, out_r.fd, err_r.fd})
        if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);

    SigpipeBlocked sigpipe;
    ProcessResult result;
    std::array<char, 64 * 1024> buf{};
    std::size_t pending_off = 0, pending_len = 0;  // the part of buf not yet written to stdin
    std::array<char, 64 * 1024> feed{};
    const auto deadline = started + spec.timeout;
    bool exited = false, timed_out = false;
    int status = 0;
    while (true) {
        // Refill the stdin buffer from the file.
        if (in_w.fd >= 0 && pending_len == 0) {
            ssize_t n = ::read(image.fd, feed.data(), feed.size());
            if (n <= 0) in_w.reset();  // end of the image (or a read error): EOF for the program
            else pending_off = 0, pending_len = static_cast<std::size_t>(n);
        }
        std::vector<pollfd> fds;
        if (out_r.fd >= 0) fds.push_back({out_r.fd, POLLIN, 0});
        if (err_r.fd >= 0) fds.push_back({err_r.fd, POLLIN, 0});
        if (in_w.fd >= 0) fds.push_back({in_w.fd, POLLOUT, 0});
        if (!exited) {
            pid_t w = ::waitpid(pid, &status, WNOHANG);
            if (w == pid) exited = true;
        }
        // Once the program is gone, take what is left in the pipes (a
        // grandchild holding them open does not keep us here) and stop.
        if (exited && fds.empty()) break;
        auto now = Clock::now();
        if (!exited && now >= deadline) {
            timed_out = true;
            break;
        }
        int wait_ms = exited ? 0 : 50;
        int r = ::poll(fds.data(), fds.size(), wait_ms);
        if (r < 0 && errno != EINTR) break;
        bool read_any = false;
        for (const auto& p : fds) {
            if (!p.revents) continue;
            if (p.fd == in_w.fd) {
                ssize_t n = ::write(in_w.fd, feed.data() + pending_off, pending_len);
                if (n > 0) pending_off += static_cast<std::size_t>(n), pending_len -= static_cast<std::size_t>(n);
                else if (n < 0 && errno != EAGAIN && errno != EINTR) in_w.reset();  // EPIPE: it stopped reading
                continue;
            }
            ssize_t n = ::read(p.fd, buf.data(), buf.size());
            bool is_out = p.fd == out_r.fd;
            if (n > 0) {
                read_any = true;
                (is_out ? result.stdout_bytes : result.stderr_bytes) += static_cast<std::uint64_t>(n);
                keep_tail(is_out ? result.stdout_tail : result.stderr_tail, buf.data(), static_cast<std::size_t>(n),
                          spec.output_tail);
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                (is_out ? out_r : err_r).reset();
            }
        }
        if (exited && !read_any) break;
    }
    if (timed_out) {
        ::kill(-pid, SIGTERM);
        auto grace_end = Clock::now() + spec.kill_grace;
        while (Clock::now() < grace_end) {
            if (::waitpid(pid, &status, WNOHANG) == pid) {
                exited = true;
                break;
            }
            ::usleep(10000);
        }
        ::kill(-pid, SIGKILL);  // the whole group, the program's children too
        if (!exited) ::waitpid(pid, &status, 0);
        result.end = ProcessResult::End::TimedOut;
    } else if (!exited) {
        ::kill(-pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        result.end = ProcessResult::End::Signaled;
        result.signal = SIGKILL;
    } else if (WIFEXITED(status)) {
        result.end = ProcessResult::End::Exited;
        result.exit_code = WEXITSTATUS(status);
    } else {
        result.end = ProcessResult::End::Signaled;
        result.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    }
    trim_tail(result.stdout_tail, spec.output_tail);
    trim_tail(result.stderr_tail, spec.output_tail);
    result.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    return result;
}

}  // namespace fleetcast::device
