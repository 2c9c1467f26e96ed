// A real device agent on a real broker, manager and gateway, with an update
// handler that misbehaves in its install step: one hangs (ignoring SIGTERM,
// with a child of its own), one prints megabytes. The agent kills the first
// at its timeout and bounds the second's output; either way the campaign ends
// ERROR with the step and the output's tail in its detail, and the agent goes
// on with bounded memory and log.
#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>
#include <fstream>

#include "tests/integration/real_agent.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// One box whose handler does in `install` what its mode file says.
struct MisbehavingBox {
    Fleet fleet;
    fs::path box, sleeper;
    std::size_t agent = 0;

    explicit MisbehavingBox(const std::string& mode) {
        fleet.start_manager();
        fleet.start_gateway("gw1");
        box = fleet.dir() / "box";
        fs::create_directories(box);
        sleeper = box / "sleeper";
        auto handler = box / "handler";
        std::string script = R"SH(#!/bin/sh
set -eu
[ "$1" = install ] || exit 0
case @MODE@ in
hang)
    trap '' TERM
    echo 'flashing block 7 of 9'
    echo 'flash controller: waiting for the erase to finish' >&2
    sleep 600 &
    echo $! > @SLEEPER@
    wait ;;
flood)
    head -c 67108864 /dev/zero | tr '\0' o
    head -c 8388608 /dev/zero | tr '\0' e >&2
    echo >&2
    echo 'flash controller: image rejected after the self-test' >&2
    exit 1 ;;
esac
)SH";
        script.replace(script.find("@MODE@"), 6, mode);
        script.replace(script.find("@SLEEPER@"), 9, sleeper.string());
        write_text(handler, script);
        fs::permissions(handler, fs::perms::owner_all);
        agent = fleet.start_agent("gw1", kDevice, "A123", fleet.device_dir(kDevice), {"main=1.0"},
                                  {"--handler", "main=" + handler.string(), "--handler-timeout", "install=3s"});
    }
    ~MisbehavingBox() { fleet.dump_logs_on_failure(); }

    // The agent's peak resident memory (VmHWM), in KiB; 0 when unknown.
    std::uint64_t agent_peak_kib() {
        std::ifstream in("/proc/" + std::to_string(fleet.device_processes().at(agent).pid()) + "/status");
        for (std::string line; std::getline(in, line);)
            if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6));
        return 0;
    }
};

bool process_gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

}  // namespace

TEST(HandlerLimits, HangingHandlerIsKilledAtItsTimeoutAndTheCampaignReportsIt) {
    MisbehavingBox b("hang");
    auto image = add_main_image(b.fleet, "2.0", 2 * kDefaultChunkSize);
    auto campaign = create_device_campaign(b.fleet, image);
    ASSERT_FALSE(campaign.empty());
    auto row = wait_ended(b.fleet, campaign, 90s);
    EXPECT_EQ(row.result, "ERROR") << row.state << ": " << row.detail;
    EXPECT_EQ(row.error, "write_failure") << row.detail;
    EXPECT_NE(row.detail.find("install failed (timed out after 3000 ms"), std::string::npos) << row.detail;
    EXPECT_NE(row.detail.find("waiting for the erase to finish"), std::string::npos) << row.detail;
    // The whole process group went, the child that ignored SIGTERM too.
    ASSERT_TRUE(eventually([&] { return fs::exists(b.sleeper); }, 5s));
    auto pid = std::stoi(read_text(b.sleeper));
    EXPECT_TRUE(eventually([&] { return process_gone(pid); }, 10s)) << "the handler's child " << pid << " still runs";
    // The agent lives on, on its old firmware.
    EXPECT_TRUE(b.fleet.device_processes().at(b.agent).running());
    EXPECT_EQ(booted_version(b.fleet, kDevice), "1.0");
    EXPECT_NE(agent_log(b.fleet).find("step=install"), std::string::npos);
}

TEST(HandlerLimits, HandlerPrintingMegabytesIsBoundedAndItsTailReported) {
    MisbehavingBox b("flood");
    auto image = add_main_image(b.fleet, "2.0", 2 * kDefaultChunkSize);
    auto campaign = create_device_campaign(b.fleet, image);
    ASSERT_FALSE(campaign.empty());
    const auto peak_before = b.agent_peak_kib();  // connected and registered: its working size
    ASSERT_GT(peak_before, 0u);
    auto row = wait_ended(b.fleet, campaign, 90s);
    EXPECT_EQ(row.result, "ERROR") << row.state << ": " << row.detail;
    EXPECT_EQ(row.error, "write_failure") << row.detail;
    EXPECT_NE(row.detail.find("install failed (exit 1)"), std::string::npos) << row.detail.substr(0, 300);
    EXPECT_NE(row.detail.find("image rejected after the self-test"), std::string::npos) << row.detail.substr(0, 300);
    EXPECT_LT(row.detail.size(), 2048u) << "the detail is the output's tail, not the output";
    // 72 MiB went through the agent: its memory and its log did not grow with them.
    EXPECT_TRUE(b.fleet.device_processes().at(b.agent).running());
    const auto peak = b.agent_peak_kib();
    EXPECT_LT(peak, peak_before + 16 * 1024) << "agent peak RSS " << peak_before << " -> " << peak << " KiB";
    auto log = agent_log(b.fleet);
    EXPECT_LT(log.size(), 512u * 1024);
    EXPECT_NE(log.find("stdout_bytes=67108864"), std::string::npos);
    EXPECT_NE(log.find("stderr_bytes=83886"), std::string::npos);
}
