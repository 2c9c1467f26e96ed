// A real device agent updated end to end on a real broker, manager and
// gateway through the shipped `script` update handler (handlers/script): the
// image is a compressed tar archive with an `install` script, unpacked into a
// private directory and run with each step's name; a failing step rolls the
// update back and is reported with the script's own words.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/integration/real_agent.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string kHandler = std::string(FLEETCAST_SOURCE_DIR) + "/handlers/script";

// One box: the "application" reads /opt/app/app.conf; the archives' install
// scripts stage, swap and restore it, and log each step they ran.
struct ScriptBox {
    Fleet fleet;
    fs::path box, conf, steps;

    ScriptBox() {
        fleet.start_manager();
        fleet.start_gateway("gw1");
        box = fleet.dir() / "box";
        fs::create_directories(box / "opt" / "app");
        conf = box / "opt" / "app" / "app.conf";
        write_text(conf, "speed=1\n");
        steps = box / "steps";
        fleet.start_agent("gw1", kDevice, "A123", fleet.device_dir(kDevice), {"main=1.0"},
                          {"--handler", "main=" + kHandler, "--handler-timeout", "install=60s"});
    }
    ~ScriptBox() { fleet.dump_logs_on_failure(); }

    // A .tar.gz update of version `version`: app.conf with `content`, and an
    // install script whose step `failing` (if any) fails with a reason.
    ImageFile archive(const std::string& version, const std::string& content, const std::string& failing = "") {
        auto src = box / ("archive-" + version);
        fs::create_directories(src);
        write_text(src / "app.conf", content);
        std::string script = R"SH(#!/bin/sh
set -eu
[ "$(pwd)" = "$FLEETCAST_SCRIPT_DIR" ] || { echo 'not run in its directory' >&2; exit 1; }
echo "$1 $FLEETCAST_NEW_VERSION" >> @STEPS@
if [ "$1" = '@FAILING@' ]; then echo 'app: the new configuration was rejected by the controller' >&2; exit 1; fi
case $1 in
    install) cp app.conf @CONF@.staged ;;
    activate) [ -e @CONF@.old ] || ln @CONF@ @CONF@.old
              mv @CONF@.staged @CONF@ 2>/dev/null || true ;;
    needs-reboot) exit 10 ;;
    verify) cmp -s app.conf @CONF@ || exit 4 ;;
    commit) rm -f @CONF@.old ;;
    rollback) if [ -e @CONF@.old ]; then mv @CONF@.old @CONF@; fi ;;
    cleanup) rm -f @CONF@.staged ;;
esac
)SH";
        for (const auto& [key, value] : {std::pair<std::string, std::string>{"@STEPS@", steps.string()},
                                         {"@FAILING@", failing},
                                         {"@CONF@", conf.string()}})
            for (auto at = script.find(key); at != std::string::npos; at = script.find(key, at + value.size()))
                script.replace(at, key.size(), value);
        write_text(src / "install", script);
        fs::permissions(src / "install", fs::perms::owner_all);
        ImageFile image;
        image.path = box / ("app-" + version + ".tar.gz");
        auto made = run_command({"tar", "-czf", image.path.string(), "-C", src.string(), "."}, 20s);
        EXPECT_EQ(made.exit_code, 0) << made.output;
        image.model = "A123";
        image.component = "main";
        image.version = version;
        image.size = fs::file_size(image.path);
        image.sha256 = sha256_of(image.path);
        fleet.add_firmware(image);
        return image;
    }
    // The steps the scripts ran, "STEP VERSION" each.
    std::vector<std::string> ran() const {
        std::vector<std::string> out;
        std::istringstream in(read_text(steps));
        for (std::string line; std::getline(in, line);)
            if (!line.empty()) out.push_back(line);
        return out;
    }
    // The handler's private directories: none once an update is over.
    bool unpacked_left() const {
        std::error_code ec;
        return fs::exists(fleet.device_dir(kDevice) / "handlers" / "main" / "script", ec);
    }
};

}  // namespace

TEST(ScriptHandler, ArchiveInstallScriptRunsEachStepAndTheUpdateCommits) {
    ScriptBox b;
    auto image = b.archive("2.0", "speed=2\n");
    auto campaign = create_device_campaign(b.fleet, image);
    ASSERT_FALSE(campaign.empty());
    auto row = wait_ended(b.fleet, campaign, 90s);
    EXPECT_EQ(row.result, "UPDATING COMPLETED") << row.state << ": " << row.detail;
    EXPECT_EQ(read_text(b.conf), "speed=2");
    EXPECT_FALSE(fs::exists(b.conf.string() + ".old"));
    EXPECT_TRUE(eventually([&] { return b.ran().size() == 6; }, 20s)) << read_text(b.steps);
    EXPECT_EQ(b.ran(), (std::vector<std::string>{"install 2.0", "activate 2.0", "needs-reboot 2.0", "verify 2.0",
                                                 "commit 2.0", "cleanup 2.0"}));
    EXPECT_TRUE(eventually([&] { return !b.unpacked_left(); }, 20s)) << "the unpacked archive was left behind";
    EXPECT_EQ(booted_version(b.fleet, kDevice), "2.0");
    EXPECT_TRUE(eventually([&] { return OneDevice::running_main_of(b.fleet) == "2.0"; }, 10s));
}

TEST(ScriptHandler, FailingScriptStepRollsBackAndReportsTheScriptsReason) {
    ScriptBox b;
    auto image = b.archive("2.0", "speed=2\n", "verify");
    auto campaign = create_device_campaign(b.fleet, image);
    ASSERT_FALSE(campaign.empty());
    auto row = wait_ended(b.fleet, campaign, 90s);
    EXPECT_EQ(row.result, "ERROR") << row.state << ": " << row.detail;
    EXPECT_EQ(row.error, "boot_failed") << row.detail;
    EXPECT_NE(row.detail.find("script verify failed (exit 1)"), std::string::npos) << row.detail;
    EXPECT_NE(row.detail.find("rejected by the controller"), std::string::npos) << row.detail;
    // The new file was in place for the trial, then the script's rollback put the old one back.
    EXPECT_TRUE(eventually([&] { return read_text(b.conf) == "speed=1"; }, 20s)) << read_text(b.conf);
    EXPECT_TRUE(eventually([&] { return b.ran().size() == 6; }, 20s)) << read_text(b.steps);
    EXPECT_EQ(b.ran(), (std::vector<std::string>{"install 2.0", "activate 2.0", "needs-reboot 2.0", "verify 2.0",
                                                 "rollback 2.0", "cleanup 1.0"}));
    EXPECT_TRUE(eventually([&] { return !b.unpacked_left(); }, 20s));
    EXPECT_TRUE(eventually([&] { return booted_version(b.fleet, kDevice) == "1.0"; }, 20s));
    EXPECT_TRUE(eventually([&] { return OneDevice::running_main_of(b.fleet) == "1.0"; }, 20s));
}

TEST(ScriptHandler, ArchiveWithoutInstallScriptFailsTheInstallAndKeepsTheOldVersion) {
    ScriptBox b;
    auto src = b.box / "not-an-update";
    fs::create_directories(src);
    write_text(src / "README", "no install script here\n");
    ImageFile image;
    image.path = b.box / "bad.tar.xz";
    auto made = run_command({"tar", "-cJf", image.path.string(), "-C", src.string(), "."}, 20s);
    ASSERT_EQ(made.exit_code, 0) << made.output;
    image.model = "A123";
    image.component = "main";
    image.version = "2.0";
    image.size = fs::file_size(image.path);
    image.sha256 = sha256_of(image.path);
    b.fleet.add_firmware(image);
    auto campaign = create_device_campaign(b.fleet, image);
    ASSERT_FALSE(campaign.empty());
    auto row = wait_ended(b.fleet, campaign, 90s);
    EXPECT_EQ(row.result, "ERROR") << row.state << ": " << row.detail;
    EXPECT_EQ(row.error, "write_failure") << row.detail;
    EXPECT_NE(row.detail.find("no executable install script"), std::string::npos) << row.detail;
    EXPECT_EQ(read_text(b.conf), "speed=1");
    EXPECT_EQ(booted_version(b.fleet, kDevice), "1.0");
}
