// A real device agent updated end to end on a real broker, manager and
// gateway through the shipped `file` update handler (handlers/file): the
// image becomes one file at a configured path, the application's restart
// command runs after each change, and a failed health check puts the
// previous file back.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/integration/real_agent.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string kHandler = std::string(FLEETCAST_SOURCE_DIR) + "/handlers/file";

// One box: /opt/app/bundle.bin holds the factory bundle 1.0; the "application"
// records the SHA-256 of the bundle each time it is restarted.
struct FileBox {
    Fleet fleet;
    fs::path box, app, target, restarts, unhealthy;
    std::string factory_sha;

    FileBox() {
        fleet.start_manager();
        fleet.start_gateway("gw1");
        box = fleet.dir() / "box";
        app = box / "opt" / "app";
        fs::create_directories(app);
        target = app / "bundle.bin";
        write_text(target, std::string(50000, 'f'));
        factory_sha = sha256_of(target);
        restarts = box / "restarts";
        unhealthy = box / "unhealthy";
        auto restart = box / "restart-app";
        write_text(restart,
                   "#!/bin/sh\nsha256sum " + target.string() + " | cut -d' ' -f1 >> " + restarts.string() + "\n");
        fs::permissions(restart, fs::perms::owner_all);
        write_text(box / "file.conf",
                   "# the test box\nTARGET=" + target.string() + "\nRESTART_COMMAND=" + restart.string() + "\n");
        auto health = box / "health-check";
        write_text(health, "#!/bin/sh\nif [ -e " + unhealthy.string() +
                               " ]; then echo 'self-test: bundle rejected by the application' >&2; exit 1; fi\n");
        fs::permissions(health, fs::perms::owner_all);
        fleet.start_agent(
            "gw1", kDevice, "A123", fleet.device_dir(kDevice), {"main=1.0"},
            {"--handler", "main=" + kHandler, "--handler-config", "main=" + (box / "file.conf").string(),
             "--health-check", health.string(), "--health-check-timeout", "20s", "--handler-timeout", "install=60s"});
    }
    ~FileBox() { fleet.dump_logs_on_failure(); }

    // The SHA-256s the application saw at its restarts, in order.
    std::vector<std::string> restart_shas() const {
        std::vector<std::string> out;
        std::istringstream in(read_text(restarts));
        for (std::string line; std::getline(in, line);)
            if (!line.empty()) out.push_back(line);
        return out;
    }
    // Only the bundle is left in its directory: no temporary or previous copies.
    std::vector<std::string> app_files() const {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(app)) out.push_back(e.path().filename().string());
        return out;
    }
};

}  // namespace

TEST(FileHandler, UpdateInstallsTheImageByteExactAndRestartsTheApplication) {
    FileBox b;
    auto image = add_main_image(b.fleet, "2.0", 4 * kDefaultChunkSize + 999);
    auto campaign = create_device_campaign(b.fleet, image);
    ASSERT_FALSE(campaign.empty());
    auto row = wait_ended(b.fleet, campaign, 90s);
    EXPECT_EQ(row.result, "UPDATING COMPLETED") << row.state << ": " << row.detail;
    EXPECT_EQ(sha256_of(b.target), image.sha256);
    EXPECT_EQ(fs::file_size(b.target), image.size);
    EXPECT_EQ(b.restart_shas(), std::vector<std::string>{image.sha256}) << "one restart, with the new bundle in place";
    EXPECT_EQ(b.app_files(), std::vector<std::string>{"bundle.bin"});
    EXPECT_EQ(booted_version(b.fleet, kDevice), "2.0");
    EXPECT_TRUE(eventually([&] { return OneDevice::running_main_of(b.fleet) == "2.0"; }, 10s));
    auto log = agent_log(b.fleet);
    for (const char* step : {"step=install", "step=activate", "step=needs-reboot", "step=verify", "step=commit"})
        EXPECT_NE(log.find(step), std::string::npos) << step;
    EXPECT_EQ(log.find("step=rollback"), std::string::npos);
}

TEST(FileHandler, FailedHealthCheckRestoresThePreviousFile) {
    FileBox b;
    write_text(b.unhealthy, "");
    auto image = add_main_image(b.fleet, "2.0", 3 * kDefaultChunkSize + 5);
    auto campaign = create_device_campaign(b.fleet, image);
    ASSERT_FALSE(campaign.empty());
    auto row = wait_ended(b.fleet, campaign, 90s);
    EXPECT_EQ(row.result, "ERROR") << row.state << ": " << row.detail;
    EXPECT_EQ(row.error, "boot_failed") << row.detail;
    EXPECT_NE(row.detail.find("bundle rejected by the application"), std::string::npos) << row.detail;
    // The new bundle was in place for the trial (the application restarted on it), then the old one came back.
    EXPECT_TRUE(eventually([&] { return b.restart_shas().size() == 2; }, 20s)) << read_text(b.restarts);
    EXPECT_EQ(b.restart_shas(), (std::vector<std::string>{image.sha256, b.factory_sha}));
    EXPECT_EQ(sha256_of(b.target), b.factory_sha);
    EXPECT_TRUE(eventually([&] { return b.app_files() == std::vector<std::string>{"bundle.bin"}; }, 20s));
    EXPECT_TRUE(eventually([&] { return booted_version(b.fleet, kDevice) == "1.0"; }, 20s));
    EXPECT_TRUE(eventually([&] { return OneDevice::running_main_of(b.fleet) == "1.0"; }, 20s));
    EXPECT_NE(agent_log(b.fleet).find("step=rollback"), std::string::npos);
}
