// A real device agent updated end to end through the shipped `rauc` update
// handler (handlers/rauc) and Debian's real RAUC: a RAUC service on a private
// D-Bus system bus, two raw slots as files, a custom bootloader backend on
// files (tests/support/rauc-custom-backend), and a "reboot" that starts the
// service again on the slot the bootloader picks (tests/support/rauc-boot-sim).
// The fleetcast image is a RAUC bundle signed by a test CA made with openssl.
// Skipped where RAUC cannot run (no rauc, mksquashfs or dbus-daemon, no root
// for its loop mount of the bundle).
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <random>

#include "tests/integration/real_agent.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string kSource = FLEETCAST_SOURCE_DIR;
const std::string kHandler = kSource + "/handlers/rauc";
const std::string kBootSim = kSource + "/tests/support/rauc-boot-sim";

// Why RAUC cannot run here, or empty.
std::string rauc_missing() {
    for (const char* tool : {"/usr/bin/rauc", "/usr/bin/mksquashfs", "/usr/bin/dbus-daemon", "/usr/bin/openssl"})
        if (::access(tool, X_OK) != 0) return std::string(tool) + " is not installed";
    if (::geteuid() != 0) return "rauc install loop-mounts the bundle: needs root";
    if (::access("/dev/loop-control", R_OK | W_OK) != 0) return "no /dev/loop-control";
    // The kernel must let this process loop-mount a squashfs (a container may
    // have the device node without the right): the same mount rauc install does.
    const auto probe = fs::temp_directory_path() / ("fleetcast-rauc-probe-" + std::to_string(::getpid()));
    fs::create_directories(probe / "in");
    fs::create_directories(probe / "mnt");
    const std::string dir = probe.string();
    const int rc = std::system(("mksquashfs '" + dir + "/in' '" + dir + "/probe.sqfs' -noappend >/dev/null 2>&1 && " +
                                "mount -o loop,ro '" + dir + "/probe.sqfs' '" + dir + "/mnt' >/dev/null 2>&1 && " +
                                "umount '" + dir + "/mnt'")
                                   .c_str());
    std::error_code ec;
    fs::remove_all(probe, ec);
    if (rc != 0) return "this machine does not let the test loop-mount a squashfs bundle";
    return {};
}

std::string random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 gen(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(gen() & 0xff);
    return s;
}

std::string pid_in(const fs::path& p) { return read_text(p); }

struct RaucBox {
    Fleet fleet;
    fs::path box, slot_a, slot_b, unhealthy;
    std::string dbus_pid;

    RaucBox() {
        fleet.start_manager();
        fleet.start_gateway("gw1");
        box = fleet.dir() / "box";
        fs::create_directories(box);
        slot_a = box / "slot-a.img";
        slot_b = box / "slot-b.img";
        write_text(slot_a, std::string(400000, 'a'));
        write_text(slot_b, std::string(400000, '\0'));
        auto made = run_command(
            {"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", (box / "key.pem").string(),
             "-out", (box / "cert.pem").string(), "-days", "30", "-subj", "/O=fleetcast test/CN=fleetcast rauc test"},
            30s);
        EXPECT_EQ(made.exit_code, 0) << made.output;
        write_text(box / "system.conf",
                   "[system]\ncompatible=fleetcast-test\nbootloader=custom\n"
                   "activate-installed=false\ndata-directory=" +
                       (box / "rauc-data").string() + "\n\n[handlers]\nbootloader-custom-backend=" + kSource +
                       "/tests/support/rauc-custom-backend\n\n[keyring]\npath=" + (box / "cert.pem").string() +
                       "\n\n[slot.rootfs.0]\ndevice=" + slot_a.string() +
                       "\ntype=raw\nbootname=A\n\n[slot.rootfs.1]\ndevice=" + slot_b.string() +
                       "\ntype=raw\nbootname=B\n");
        // A private system bus on which anyone may own and call anything: the test's own.
        write_text(box / "dbus.conf",
                   "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" "
                   "\"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n<busconfig><type>system</type>"
                   "<listen>unix:path=" +
                       (box / "bus").string() +
                       "</listen><auth>EXTERNAL</auth><policy context=\"default\"><allow user=\"*\"/>"
                       "<allow own=\"*\"/><allow send_destination=\"*\"/><allow "
                       "receive_sender=\"*\"/></policy></busconfig>\n");
        auto bus = run_command(
            {"/usr/bin/dbus-daemon", "--config-file=" + (box / "dbus.conf").string(), "--fork", "--print-pid"}, 10s);
        EXPECT_EQ(bus.exit_code, 0) << bus.output;
        dbus_pid = bus.output;
        while (!dbus_pid.empty() && (dbus_pid.back() == '\n' || dbus_pid.back() == ' ')) dbus_pid.pop_back();
        // Power on: slot A boots.
        auto boot = run_command({kBootSim, box.string()}, 30s);
        EXPECT_EQ(boot.exit_code, 0) << boot.output << read_text(box / "service.log");
        write_text(box / "rauc.conf",
                   "# the test box\nDBUS_SYSTEM_BUS_ADDRESS=unix:path=" + (box / "bus").string() + "\n");
        unhealthy = box / "unhealthy";
        auto health = box / "health-check";
        write_text(health, "#!/bin/sh\nif [ -e " + unhealthy.string() +
                               " ]; then echo 'self-test: printer engine not responding' >&2; exit 1; fi\n");
        fs::permissions(health, fs::perms::owner_all);
        fleet.start_agent("gw1", kDevice, "A123", fleet.device_dir(kDevice), {"main=1.0"},
                          {"--handler", "main=" + kHandler, "--handler-config", "main=" + (box / "rauc.conf").string(),
                           "--health-check", health.string(), "--health-check-timeout", "20s", "--reboot-command",
                           kBootSim + " " + box.string(), "--reboot-wait", "0s", "--handler-timeout", "install=60s"});
    }
    ~RaucBox() {
        if (::testing::Test::HasFailure()) {
            std::cerr << "--- rauc service log\n" << read_text(box / "service.log") << "\n";
        }
        fleet.dump_logs_on_failure();
        // The service and the bus this test started, by their pids.
        for (const auto& pid : {pid_in(box / "service.pid"), dbus_pid})
            if (!pid.empty() && pid.find_first_not_of("0123456789") == std::string::npos)
                ::kill(std::stoi(pid), SIGTERM);
    }

    // A RAUC bundle of `rootfs` (version `version`) signed by the test CA, added as firmware main `version`.
    ImageFile add_bundle(const std::string& version, const std::string& rootfs) {
        auto content = box / ("bundle-" + version);
        fs::create_directories(content);
        write_text(content / "rootfs.img", rootfs);
        write_text(content / "manifest.raucm",
                   "[update]\ncompatible=fleetcast-test\nversion=" + version +
                       "\n\n[bundle]\nformat=plain\n\n[image.rootfs]\nfilename=rootfs.img\n");
        auto out = box / ("update-" + version + ".raucb");
        auto made = run_command({"/usr/bin/rauc", "bundle", "--cert=" + (box / "cert.pem").string(),
                                 "--key=" + (box / "key.pem").string(), content.string(), out.string()},
                                60s);
        EXPECT_EQ(made.exit_code, 0) << made.output;
        ImageFile image;
        image.path = out;
        image.model = "A123";
        image.component = "main";
        image.version = version;
        image.size = fs::file_size(out);
        image.sha256 = sha256_of(out);
        fleet.add_firmware(image);
        return image;
    }
    // The first `n` bytes of a slot.
    static std::string head_of(const fs::path& slot, std::size_t n) {
        auto t = read_file(slot);
        return t ? t->substr(0, n) : std::string();
    }
    std::string backend(const std::string& name) { return read_text(box / name); }
};

}  // namespace

TEST(RaucHandler, UpdateInstallsTheBundleIntoTheOtherSlotAndMarksItGoodAfterAHealthyBoot) {
    if (auto why = rauc_missing(); !why.empty()) GTEST_SKIP() << why;
    RaucBox b;
    const auto rootfs = random_bytes(150000, 7);
    auto image = b.add_bundle("2.0", rootfs);
    auto campaign = create_device_campaign(b.fleet, image);
    ASSERT_FALSE(campaign.empty());
    auto row = wait_ended(b.fleet, campaign, 120s);
    EXPECT_EQ(row.result, "UPDATING COMPLETED") << row.state << ": " << row.detail;
    // RAUC wrote the bundle's image into slot B; A is untouched.
    EXPECT_TRUE(RaucBox::head_of(b.slot_b, rootfs.size()) == rootfs) << "slot B does not hold the bundle's image";
    EXPECT_EQ(read_text(b.slot_a), std::string(400000, 'a'));
    // Booted B after the reboot, selected and marked good.
    EXPECT_EQ(b.backend("booted"), "B");
    EXPECT_EQ(b.backend("primary"), "B");
    EXPECT_EQ(b.backend("state-B"), "good");
    EXPECT_EQ(booted_version(b.fleet, kDevice), "2.0");
    auto log = agent_log(b.fleet);
    for (const char* step : {"step=install", "step=activate", "step=verify", "step=commit"})
        EXPECT_NE(log.find(step), std::string::npos) << step;
    EXPECT_EQ(log.find("step=rollback"), std::string::npos);
}

TEST(RaucHandler, FailedHealthCheckMarksTheNewSlotBadAndBootsTheOldOne) {
    if (auto why = rauc_missing(); !why.empty()) GTEST_SKIP() << why;
    RaucBox b;
    write_text(b.unhealthy, "");
    const auto rootfs = random_bytes(120000, 11);
    auto image = b.add_bundle("2.0", rootfs);
    auto campaign = create_device_campaign(b.fleet, image);
    ASSERT_FALSE(campaign.empty());
    auto row = wait_ended(b.fleet, campaign, 120s);
    EXPECT_EQ(row.result, "ERROR") << row.state << ": " << row.detail;
    EXPECT_EQ(row.error, "boot_failed") << row.detail;
    EXPECT_NE(row.detail.find("printer engine not responding"), std::string::npos) << row.detail;
    // B was written and booted on trial, then marked bad; A is selected and boots again.
    EXPECT_TRUE(RaucBox::head_of(b.slot_b, rootfs.size()) == rootfs);
    EXPECT_TRUE(eventually([&] { return b.backend("booted") == "A"; }, 30s)) << b.backend("booted");
    EXPECT_EQ(b.backend("primary"), "A");
    EXPECT_EQ(b.backend("state-B"), "bad");
    EXPECT_EQ(read_text(b.slot_a), std::string(400000, 'a'));
    EXPECT_TRUE(eventually([&] { return booted_version(b.fleet, kDevice) == "1.0"; }, 30s));
    EXPECT_NE(agent_log(b.fleet).find("step=rollback"), std::string::npos);
}
