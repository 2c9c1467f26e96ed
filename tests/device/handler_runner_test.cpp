// The update handler runner (device/handler_runner.hpp) and the handler
// protocol's exit codes (device/update_handler.hpp), with real processes.
#include "device/handler_runner.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>

#include "device/update_handler.hpp"

namespace fleetcast::device {
namespace {

using namespace std::chrono_literals;

struct HandlerRunner : ::testing::Test {
    std::filesystem::path dir;
    void SetUp() override {
        std::string tmpl = (std::filesystem::temp_directory_path() / "fc-handler-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir = tmpl;
    }
    void TearDown() override {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    // An executable shell script with `body`.
    std::filesystem::path script(const std::string& name, const std::string& body) {
        auto p = dir / name;
        std::ofstream(p) << "#!/bin/sh\n" << body << "\n";
        std::filesystem::permissions(p, std::filesystem::perms::owner_all);
        return p;
    }
    bool alive(pid_t pid) { return ::kill(pid, 0) == 0; }
    pid_t read_pid(const std::filesystem::path& p) {
        std::ifstream in(p);
        pid_t pid = 0;
        in >> pid;
        return pid;
    }
};

TEST_F(HandlerRunner, HangingHandlerIsKilledAtItsTimeoutAndReported) {
    // The handler starts a child of its own that also hangs: the whole process group goes.
    auto p =
        script("hang", "sleep 300 & echo $! > " + (dir / "child.pid").string() + "\necho still working >&2\nsleep 300");
    ProcessSpec spec;
    spec.argv = {p.string()};
    spec.timeout = 300ms;
    spec.kill_grace = 200ms;
    auto r = run_process(spec);
    ASSERT_TRUE(r) << r.error().str();
    EXPECT_EQ(r->end, ProcessResult::End::TimedOut);
    EXPECT_LT(r->took, 5s);
    EXPECT_NE(r->how_it_ended(spec.timeout).find("timed out after 300 ms"), std::string::npos);
    EXPECT_EQ(r->output_tail(), "still working");
    pid_t child = read_pid(dir / "child.pid");
    ASSERT_GT(child, 0);
    // Killed with its group (reaped by init, so it disappears shortly after).
    for (int i = 0; i < 200 && alive(child); ++i) ::usleep(10000);
    EXPECT_FALSE(alive(child)) << "the handler's child survived the timeout";

    UpdateHandler handler(HandlerConfig{p, std::nullopt, {{HandlerStep::Install, 300ms}}, 1024});
    auto image = dir / "image";
    std::ofstream(image) << "x";
    HandlerContext c;
    c.component = "main";
    c.image = image;
    auto step = handler.run(HandlerStep::Install, c);
    EXPECT_FALSE(step.ok);
    EXPECT_EQ(step.code, "write_failure");
    EXPECT_NE(step.detail.find("install failed (timed out after 300 ms"), std::string::npos) << step.detail;
    EXPECT_NE(step.detail.find("still working"), std::string::npos) << step.detail;
}

TEST_F(HandlerRunner, OutputOfMegabytesIsBoundedToItsTail) {
    // 8 MiB on stdout and 8 MiB on stderr, then a last line on each.
    auto p = script("chatty",
                    "head -c 8388608 /dev/zero | tr '\\0' o\necho; echo last-out\n"
                    "head -c 8388608 /dev/zero | tr '\\0' e >&2\necho >&2; echo last-err >&2\nexit 1");
    ProcessSpec spec;
    spec.argv = {p.string()};
    spec.timeout = 60s;
    spec.output_tail = 4096;
    auto r = run_process(spec);
    ASSERT_TRUE(r) << r.error().str();
    EXPECT_EQ(r->end, ProcessResult::End::Exited);
    EXPECT_EQ(r->exit_code, 1);
    EXPECT_EQ(r->stdout_bytes, 8388608u + 1 + 9);
    EXPECT_EQ(r->stderr_bytes, 8388608u + 1 + 9);
    EXPECT_EQ(r->stdout_tail.size(), 4096u);
    EXPECT_EQ(r->stderr_tail.size(), 4096u);
    EXPECT_EQ(r->stdout_tail.substr(r->stdout_tail.size() - 9), "last-out\n");
    EXPECT_EQ(r->stderr_tail.substr(r->stderr_tail.size() - 9), "last-err\n");
    auto tail = r->output_tail(100);
    EXPECT_LE(tail.size(), 103u);
    EXPECT_EQ(tail.substr(tail.size() - 8), "last-err");
}

TEST_F(HandlerRunner, ImageIsStreamedToStdinAndArgumentsAreNeverInterpretedByAShell) {
    // 3 MiB through stdin; the handler's sha256 of what it read equals the file's.
    auto image = dir / "image";
    {
        std::ofstream out(image, std::ios::binary);
        for (int i = 0; i < 3 * 1024 * 1024; ++i) out.put(static_cast<char>(i * 7 + 3));
    }
    auto p = script("sum", "sha256sum | cut -d' ' -f1; echo \"arg=$1\"; echo \"env=$FLEETCAST_CAMPAIGN\"");
    ProcessSpec spec;
    spec.argv = {p.string(), "$(touch " + (dir / "injected").string() + ")"};
    spec.env = {{"FLEETCAST_CAMPAIGN", "c1; touch " + (dir / "injected2").string()}};
    spec.stdin_file = image;
    auto r = run_process(spec);
    ASSERT_TRUE(r) << r.error().str();
    EXPECT_TRUE(r->succeeded());
    ProcessSpec sum;
    sum.argv = {"/usr/bin/sha256sum", image.string()};
    auto expected = run_process(sum);
    ASSERT_TRUE(expected);
    EXPECT_EQ(r->stdout_tail.substr(0, 64), expected->stdout_tail.substr(0, 64));
    EXPECT_NE(r->stdout_tail.find("arg=$(touch"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(dir / "injected"));
    EXPECT_FALSE(std::filesystem::exists(dir / "injected2"));
}

TEST_F(HandlerRunner, HandlerThatStopsReadingItsStdinFailsCleanly) {
    auto image = dir / "image";
    {
        std::ofstream out(image, std::ios::binary);
        out << std::string(4 * 1024 * 1024, 'x');
    }
    auto p = script("quits", "head -c 10 > /dev/null; echo gave up >&2; exit 1");
    ProcessSpec spec;
    spec.argv = {p.string()};
    spec.stdin_file = image;
    auto r = run_process(spec);
    ASSERT_TRUE(r) << r.error().str();
    EXPECT_EQ(r->end, ProcessResult::End::Exited);
    EXPECT_EQ(r->exit_code, 1);
    EXPECT_EQ(r->output_tail(), "gave up");
}

TEST_F(HandlerRunner, ProgramThatCannotRunIsAnError) {
    ProcessSpec spec;
    spec.argv = {(dir / "missing").string()};
    auto r = run_process(spec);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "not_runnable");
}

TEST_F(HandlerRunner, ExitCodesMapToTheReportedErrors) {
    auto exited = [](int code) {
        ProcessResult r;
        r.end = ProcessResult::End::Exited;
        r.exit_code = code;
        return r;
    };
    ProcessResult timed_out;
    timed_out.end = ProcessResult::End::TimedOut;
    ProcessResult signaled;
    signaled.end = ProcessResult::End::Signaled;
    signaled.signal = SIGSEGV;
    EXPECT_EQ(failure_code(HandlerStep::Install, exited(1)), "write_failure");
    EXPECT_EQ(failure_code(HandlerStep::Install, exited(handler_exit::kNoSpace)), "no_space");
    EXPECT_EQ(failure_code(HandlerStep::Install, timed_out), "write_failure");
    EXPECT_EQ(failure_code(HandlerStep::Install, signaled), "write_failure");
    EXPECT_EQ(failure_code(HandlerStep::Activate, exited(1)), "write_failure");
    EXPECT_EQ(failure_code(HandlerStep::Activate, exited(handler_exit::kNoSpace)), "write_failure");
    EXPECT_EQ(failure_code(HandlerStep::Verify, exited(1)), "boot_failed");
    EXPECT_EQ(failure_code(HandlerStep::Verify, exited(handler_exit::kBootFailed)), "boot_failed");
    EXPECT_EQ(failure_code(HandlerStep::Verify, timed_out), "boot_failed");
    EXPECT_EQ(failure_code(HandlerStep::Commit, exited(2)), "boot_failed");

    // Through a real handler: the exit code, the step's own code, the output's tail.
    auto p =
        script("codes",
               "case $1 in needs-reboot) exit 10;; verify) echo booted b >&2; exit 4;; install) exit 3;; esac; exit 0");
    UpdateHandler handler(HandlerConfig{p, std::nullopt, {}, 1024});
    auto image = dir / "image";
    std::ofstream(image) << "x";
    HandlerContext c;
    c.component = "main";
    c.image = image;
    auto reboot = handler.run(HandlerStep::NeedsReboot, c);
    EXPECT_TRUE(reboot.ok);
    EXPECT_TRUE(reboot.no_reboot);
    auto verify = handler.run(HandlerStep::Verify, c);
    EXPECT_FALSE(verify.ok);
    EXPECT_EQ(verify.code, "boot_failed");
    EXPECT_NE(verify.detail.find("verify failed (exit 4): booted b"), std::string::npos) << verify.detail;
    auto install = handler.run(HandlerStep::Install, c);
    EXPECT_EQ(install.code, "no_space");
    auto commit = handler.run(HandlerStep::Commit, c);
    EXPECT_TRUE(commit.ok);
    EXPECT_FALSE(commit.no_reboot);
}

TEST_F(HandlerRunner, EveryStepHasAName) {
    for (auto s : kAllHandlerSteps) {
        auto back = handler_step_from_string(to_string(s));
        ASSERT_TRUE(back) << to_string(s);
        EXPECT_EQ(*back, s);
    }
    EXPECT_FALSE(handler_step_from_string("format-disk"));
}

}  // namespace
}  // namespace fleetcast::device
