// A real device agent (no simulator) updated end to end on a real broker,
// manager and gateway, through the shipped rootfs-ab update handler
// (handlers/rootfs-ab): two slot files, a U-Boot environment file driven by
// fw_setenv/fw_printenv, a health check command and a reboot command that
// "reboots" as U-Boot's boot script would (tests/support/uboot-boot-sim).
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <sstream>
#include <thread>

#include "common/messages.hpp"
#include "common/topics.hpp"
#include "tests/integration/real_agent.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string kHandler = std::string(FLEETCAST_SOURCE_DIR) + "/handlers/rootfs-ab";
const std::string kBootSim = std::string(FLEETCAST_SOURCE_DIR) + "/tests/support/uboot-boot-sim";
const std::string kGrubBootSim = std::string(FLEETCAST_SOURCE_DIR) + "/tests/support/grub-boot-sim";

// How a test's box is built.
struct BoxSetup {
    std::vector<std::string> extra;  // more options for the agent
    // The handler is rootfs-ab behind a wrapper whose install, while
    // hold-install exists, writes part of the image to slot b, writes
    // hold-install.held (its pid) and waits: a test's power cut lands in the
    // middle of the install.
    bool install_can_hold = false;
    // ... whose activate, while hold-activate exists, runs rootfs-ab's
    // activate, writes hold-activate.held (its pid) and waits: the power cut
    // lands after the environment changed, before the agent heard the step end.
    bool activate_can_hold = false;
    // rootfs-ab's DIRECT_WRITE: the agent writes the chunks straight into the slot.
    bool direct = false;
    std::string bootloader = "uboot";  // or grub (a grubenv file, grub-editenv)
    // The slot holding the factory image and booting (the other one is empty).
    std::string factory_slot = "a";
};

// One box: slot a holds the factory image 1.0 and boots; slot b is empty.
struct RealBox {
    Fleet fleet;
    BoxSetup setup;
    fs::path box;  // the device's "hardware": slots, bootloader environment, booted slot
    fs::path slot_a, slot_b, env_config, grubenv, booted, hold, unhealthy, hold_health, hold_install, hold_activate;
    std::size_t agent = 0;
    std::string factory_sha;  // of slot a's image 1.0

    explicit RealBox(BoxSetup s = {}) : setup(std::move(s)) {
        fleet.start_manager();
        fleet.start_gateway("gw1");
        box = fleet.dir() / "box";
        fs::create_directories(box);
        slot_a = box / "slot-a.img";
        slot_b = box / "slot-b.img";
        const auto& f = setup.factory_slot;
        write_text(f == "a" ? slot_a : slot_b, std::string(100000, 'a'));
        write_text(f == "a" ? slot_b : slot_a, "");
        factory_sha = sha256_of(f == "a" ? slot_a : slot_b);
        env_config = box / "fw_env.config";
        grubenv = box / "grubenv";
        if (setup.bootloader == "grub") {
            auto made = run_command({"/usr/bin/grub-editenv", grubenv.string(), "create"}, 10s);
            EXPECT_EQ(made.exit_code, 0) << made.output;
            made = run_command({"/usr/bin/grub-editenv", grubenv.string(), "set", "fleetcast_slot=" + f,
                                "fleetcast_previous_slot=" + f, "upgrade_available=0", "bootcount=0"},
                               10s);
            EXPECT_EQ(made.exit_code, 0) << made.output;
        } else {
            write_text(box / "env.txt", "fleetcast_slot=" + f + "\nfleetcast_previous_slot=" + f +
                                            "\nupgrade_available=0\nbootcount=0\n");
            auto made = run_command(
                {"/usr/bin/mkenvimage", "-s", "0x4000", "-o", (box / "uboot.env").string(), (box / "env.txt").string()},
                10s);
            EXPECT_EQ(made.exit_code, 0) << made.output;
            write_text(env_config, (box / "uboot.env").string() + " 0x0 0x4000\n");
        }
        booted = box / "booted-slot";
        write_text(booted, f + "\n");
        hold = box / "hold-reboot";
        unhealthy = box / "unhealthy";
        hold_health = box / "hold-health";
        write_text(box / "rootfs-ab.conf",
                   "# the test box\nSLOT_A=" + slot_a.string() + "\nSLOT_B=" + slot_b.string() +
                       "\nBOOTLOADER=" + setup.bootloader + "\nFW_ENV_CONFIG=" + env_config.string() +
                       "\nGRUBENV=" + grubenv.string() + "\nBOOTED_SLOT_FILE=" + booted.string() +
                       "\nDIRECT_WRITE=" + (setup.direct ? "yes" : "no") + "\n");
        // The product's self-test: healthy unless the test says otherwise. While
        // hold-health exists it writes hold-health.held (its pid) and waits: a
        // test's power cut lands during the trial boot, before the commit.
        auto health = box / "health-check";
        write_text(health, "#!/bin/sh\nif [ -e " + hold_health.string() + " ]; then echo $$ > " + hold_health.string() +
                               ".tmp && mv " + hold_health.string() + ".tmp " + hold_health.string() +
                               ".held; while [ -e " + hold_health.string() + " ]; do sleep 0.1; done; fi\nif [ -e " +
                               unhealthy.string() +
                               " ]; then echo 'self-test: printer engine not responding' >&2; exit 1; fi\nexit 0\n");
        fs::permissions(health, fs::perms::owner_all);
        auto handler = kHandler;
        hold_install = box / "hold-install";
        hold_activate = box / "hold-activate";
        if (setup.install_can_hold || setup.activate_can_hold) {
            handler = (box / "rootfs-ab-wrapper").string();
            std::string wrapper = R"SH(#!/bin/sh
set -eu
if [ "$1" = install ] && [ -e @HOLD@ ]; then
    head -c 100000 > @SLOT@
    echo $$ > @HOLD@.tmp && mv @HOLD@.tmp @HOLD@.held
    while [ -e @HOLD@ ]; do sleep 0.1; done
    exit 1
fi
if [ "$1" = activate ] && [ -e @HOLD_ACTIVATE@ ]; then
    @HANDLER@ activate
    echo $$ > @HOLD_ACTIVATE@.tmp && mv @HOLD_ACTIVATE@.tmp @HOLD_ACTIVATE@.held
    while [ -e @HOLD_ACTIVATE@ ]; do sleep 0.1; done
    exit 1
fi
exec @HANDLER@ "$@"
)SH";
            for (const auto& [key, value] :
                 {std::pair<std::string, std::string>{"@HOLD_ACTIVATE@", hold_activate.string()},
                  {"@HOLD@", hold_install.string()},
                  {"@SLOT@", slot_b.string()},
                  {"@HANDLER@", kHandler}})
                for (auto at = wrapper.find(key); at != std::string::npos; at = wrapper.find(key, at + value.size()))
                    wrapper.replace(at, key.size(), value);
            write_text(handler, wrapper);
            fs::permissions(handler, fs::perms::owner_all);
        }
        std::vector<std::string> options{
            "--handler",
            "main=" + handler,
            "--handler-config",
            "main=" + (box / "rootfs-ab.conf").string(),
            "--health-check",
            health.string(),
            "--health-check-timeout",
            "20s",
            "--reboot-command",
            boot_sim() + " " + bootloader_env().string() + " " + booted.string() + " " + hold.string(),
            "--reboot-wait",
            "0s",
            "--handler-timeout",
            "install=60s"};
        options.insert(options.end(), setup.extra.begin(), setup.extra.end());
        agent = fleet.start_agent("gw1", kDevice, "A123", fleet.device_dir(kDevice), {"main=1.0"}, options);
    }
    ~RealBox() { fleet.dump_logs_on_failure(); }

    bool grub() const { return setup.bootloader == "grub"; }
    const std::string& boot_sim() const { return grub() ? kGrubBootSim : kBootSim; }
    // What the boot simulator and the handler read: the grubenv file or U-Boot's fw_env.config.
    const fs::path& bootloader_env() const { return grub() ? grubenv : env_config; }
    std::string env(const std::string& name) {
        if (grub()) {
            auto r = run_command({"/usr/bin/grub-editenv", grubenv.string(), "list"}, 10s);
            std::istringstream lines(r.output);
            for (std::string line; std::getline(lines, line);)
                if (line.rfind(name + "=", 0) == 0) return line.substr(name.size() + 1);
            return {};
        }
        auto r = run_command({"/usr/bin/fw_printenv", "-c", env_config.string(), "-n", name}, 10s);
        auto v = r.output;
        while (!v.empty() && v.back() == '\n') v.pop_back();
        return v;
    }
    // Bytes in the agent's state directory (every regular file's size).
    std::uint64_t state_dir_bytes() {
        std::uint64_t n = 0;
        std::error_code ec;
        for (const auto& e : fs::recursive_directory_iterator(fleet.device_dir(kDevice), ec)) {
            std::error_code fec;
            if (e.is_regular_file(fec)) n += e.file_size(fec);
        }
        return n;
    }
    ImageFile add_image(const std::string& version, std::uint64_t size) { return add_main_image(fleet, version, size); }
    std::string create(const ImageFile& image) { return create_device_campaign(fleet, image); }
    EndedRow ended(const std::string& campaign, std::chrono::seconds timeout) {
        return wait_ended(fleet, campaign, timeout);
    }
    std::string agent_log() const { return fleetcast::testing::agent_log(fleet); }

    // The slot the environment selects holds a complete image: the factory one or `image`.
    void expect_selected_slot_complete(const ImageFile& image) {
        auto selected = env("fleetcast_slot");
        ASSERT_TRUE(selected == "a" || selected == "b") << selected;
        auto sha = sha256_of(selected == "a" ? slot_a : slot_b);
        EXPECT_TRUE(sha == factory_sha || sha == image.sha256) << "slot " << selected << " is incomplete";
    }
    // update_state in the agent's state file.
    std::string update_state() {
        auto text = read_file(fleet.device_dir(kDevice) / "state.json");
        if (!text) return {};
        auto j = Json::parse(*text);
        return j ? str(j->get(), "update_state") : std::string();
    }
    // Chunks of the image being received that the agent wrote: its live bitmap
    // (common/partial_image.hpp: one '1' byte per chunk on disk, after a header).
    std::uint32_t chunks_written(const ImageFile& image) {
        std::uint32_t n = 0;
        std::error_code ec;
        for (const auto& e : fs::recursive_directory_iterator(fleet.device_dir(kDevice), ec)) {
            if (e.path().extension() != ".live") continue;
            auto t = read_file(e.path());
            if (!t || t->size() < image.chunk_count) continue;
            for (std::size_t i = t->size() - image.chunk_count; i < t->size(); ++i) n += (*t)[i] == '1' ? 1 : 0;
        }
        return n;
    }
    // Power back on: the "bootloader" picks the slot, the agent starts again.
    void power_on() {
        auto boot = run_command({boot_sim(), bootloader_env().string(), booted.string()}, 10s);
        ASSERT_EQ(boot.exit_code, 0) << boot.output;
        fleet.restart_devices(agent);
    }
};

}  // namespace

TEST(RealDevice, RootfsAbUpdateWritesTheInactiveSlotAndCommitsAfterHealthyBoot) {
    RealBox b;
    auto image = b.add_image("2.0", 5 * kDefaultChunkSize + 1234);
    auto campaign = b.create(image);
    ASSERT_FALSE(campaign.empty());
    auto row = b.ended(campaign, 90s);
    EXPECT_EQ(row.result, "UPDATING COMPLETED") << row.state << ": " << row.detail;
    // The inactive slot holds the signed image byte for byte; the old one is untouched.
    EXPECT_EQ(sha256_of(b.slot_b), image.sha256);
    EXPECT_EQ(fs::file_size(b.slot_b), image.size);
    EXPECT_EQ(sha256_of(b.slot_a), b.factory_sha);
    EXPECT_EQ(fs::file_size(b.slot_a), 100000u);
    // The bootloader booted the new slot, and the agent committed it (no trial pending).
    EXPECT_EQ(read_text(b.booted), "b");
    EXPECT_EQ(b.env("fleetcast_slot"), "b");
    EXPECT_EQ(b.env("upgrade_available"), "0");
    EXPECT_EQ(booted_version(b.fleet, kDevice), "2.0");
    EXPECT_TRUE(eventually([&] { return OneDevice::running_main_of(b.fleet) == "2.0"; }, 10s));
    auto log = b.agent_log();
    for (const char* step : {"step=install", "step=activate", "step=needs-reboot", "step=verify", "step=commit"})
        EXPECT_NE(log.find(step), std::string::npos) << step;
    EXPECT_EQ(log.find("step=rollback"), std::string::npos);
}

TEST(RealDevice, FailedHealthCheckRollsBackToTheOldSlot) {
    RealBox b;
    auto v2 = b.add_image("2.0", 3 * kDefaultChunkSize);
    auto first = b.create(v2);
    ASSERT_FALSE(first.empty());
    ASSERT_EQ(b.ended(first, 90s).result, "UPDATING COMPLETED");
    ASSERT_EQ(read_text(b.booted), "b");

    // 3.0 goes to slot a; its first boot fails the product's self-test.
    write_text(b.unhealthy, "");
    auto v3 = b.add_image("3.0", 4 * kDefaultChunkSize + 77);
    auto second = b.create(v3);
    ASSERT_FALSE(second.empty());
    auto row = b.ended(second, 90s);
    EXPECT_EQ(row.result, "ERROR") << row.state << ": " << row.detail;
    EXPECT_EQ(row.error, "boot_failed") << row.detail;
    EXPECT_NE(row.detail.find("printer engine not responding"), std::string::npos) << row.detail;
    // Slot a was written completely and booted once on trial ...
    EXPECT_EQ(sha256_of(b.slot_a), v3.sha256);
    EXPECT_NE(b.agent_log().find("campaign=" + second + " component=main step=verify ms="), std::string::npos)
        << "the trial boot did not run slot a";
    // ... then the environment went back to b, and the reboot after the rollback booted b.
    EXPECT_TRUE(eventually([&] { return read_text(b.booted) == "b"; }, 20s)) << read_text(b.booted);
    EXPECT_EQ(b.env("fleetcast_slot"), "b");
    EXPECT_EQ(b.env("upgrade_available"), "0");
    EXPECT_EQ(sha256_of(b.slot_b), v2.sha256);
    EXPECT_TRUE(eventually([&] { return booted_version(b.fleet, kDevice) == "2.0"; }, 20s));
    EXPECT_TRUE(eventually([&] { return OneDevice::running_main_of(b.fleet) == "2.0"; }, 20s));
    EXPECT_NE(b.agent_log().find("step=rollback"), std::string::npos);
}

TEST(RealDevice, KillAfterInstallBeforeRebootNeverSelectsAnIncompleteSlot) {
    RealBox b;
    write_text(b.hold, "");  // the reboot will not happen: the power goes instead
    auto image = b.add_image("2.0", 6 * kDefaultChunkSize);
    auto campaign = b.create(image);
    ASSERT_FALSE(campaign.empty());
    ASSERT_TRUE(eventually([&] { return fs::exists(b.hold.string() + ".held"); }, 90s))
        << "the agent never asked for the reboot";
    // Installed and activated, the reboot asked for: power cut (kill -9 of the agent and its reboot).
    auto sleeper = std::stoi(read_text(b.hold.string() + ".held"));
    b.fleet.device_processes().at(b.agent).signal(SIGKILL);
    ::kill(sleeper, SIGKILL);
    b.fleet.device_processes().at(b.agent).wait_exit(10s);
    // Whatever the environment selects is a complete image.
    auto selected = b.env("fleetcast_slot");
    ASSERT_TRUE(selected == "a" || selected == "b") << selected;
    auto selected_sha = sha256_of(selected == "a" ? b.slot_a : b.slot_b);
    EXPECT_TRUE(selected == "a" || selected_sha == image.sha256) << "slot " << selected << " is incomplete";
    EXPECT_EQ(selected, "b");
    EXPECT_EQ(b.env("upgrade_available"), "1");

    // Power back on: the bootloader tries the new slot once, the agent verifies and commits it.
    fs::remove(b.hold);
    auto boot = run_command({kBootSim, b.env_config.string(), b.booted.string()}, 10s);
    ASSERT_EQ(boot.exit_code, 0) << boot.output;
    b.fleet.restart_devices(b.agent);
    auto row = b.ended(campaign, 90s);
    EXPECT_EQ(row.result, "UPDATING COMPLETED") << row.state << ": " << row.detail;
    EXPECT_EQ(read_text(b.booted), "b");
    EXPECT_EQ(b.env("upgrade_available"), "0");
    EXPECT_EQ(sha256_of(b.slot_b), image.sha256);
    EXPECT_EQ(booted_version(b.fleet, kDevice), "2.0");
}

TEST(RealDevice, KillDuringDownloadResumesAndFetchesOnlyTheMissingChunks) {
    // Slow flash (one chunk every 250 ms) so the transfer is still going when
    // the test sees the first chunks on disk.
    RealBox b({.extra = {"--flash-write-delay", "250ms"}});
    auto image = b.add_image("2.0", 16 * kDefaultChunkSize);
    ASSERT_EQ(image.chunk_count, 16u);
    Observer wire(b.fleet.uri(), "wire");
    const auto fanout = *topics::site_model_chunk("gw1", "A123", image.fw_id);
    const auto repair = *topics::dev_chunk("gw1", kDevice, image.fw_id);
    const auto from_manager = *topics::gw_chunk("gw1", image.fw_id);
    for (const auto& t : {fanout, repair, from_manager}) wire.subscribe(t);
    auto count = [&](const std::string& topic) {
        auto s = wire.stats();
        auto it = s.find(topic);
        return it == s.end() ? std::uint64_t{0} : it->second.messages;
    };
    auto campaign = b.create(image);
    ASSERT_FALSE(campaign.empty());
    ASSERT_TRUE(eventually([&] { return b.chunks_written(image) >= 4; }, 60s)) << "no chunk reached the slot";

    // Power cut in the middle of the transfer.
    b.fleet.device_processes().at(b.agent).signal(SIGKILL);
    ASSERT_NE(b.fleet.device_processes().at(b.agent).wait_exit(10s), -1);
    const auto written = b.chunks_written(image);
    EXPECT_EQ(b.update_state(), "receiving");
    EXPECT_LT(written, image.chunk_count) << "the kill came after the transfer";
    // Nothing was installed or selected: the bootloader still boots the factory slot.
    EXPECT_EQ(b.env("fleetcast_slot"), "a");
    EXPECT_EQ(b.env("upgrade_available"), "0");
    EXPECT_EQ(fs::file_size(b.slot_b), 0u);
    // The fan-out was sent whole while the agent was still writing its first chunks.
    ASSERT_TRUE(wire.wait_for([&](const auto&) { return count(fanout) == image.chunk_count; }, 30s));
    const auto sent_before = count(fanout) + count(repair);

    b.fleet.restart_devices(b.agent);
    auto row = b.ended(campaign, 90s);
    EXPECT_EQ(row.result, "UPDATING COMPLETED") << row.state << ": " << row.detail;
    EXPECT_EQ(sha256_of(b.slot_b), image.sha256);
    EXPECT_EQ(read_text(b.booted), "b");
    // Resumed: after the restart the gateway sent only chunks the agent had
    // not written, and fetched nothing twice from the manager.
    const auto sent_after = count(fanout) + count(repair) - sent_before;
    EXPECT_GE(sent_after, 1u);
    EXPECT_LE(sent_after, image.chunk_count - written) << written << " chunks were on disk at the kill";
    EXPECT_EQ(count(from_manager), image.chunk_count);
}

TEST(RealDevice, KillDuringInstallKeepsTheOldSlotSelectedAndInstallsAgain) {
    RealBox b({.extra = {}, .install_can_hold = true});
    write_text(b.hold_install, "");
    auto image = b.add_image("2.0", 4 * kDefaultChunkSize + 3);
    auto campaign = b.create(image);
    ASSERT_FALSE(campaign.empty());
    const auto held = b.hold_install.string() + ".held";
    ASSERT_TRUE(eventually([&] { return fs::exists(held); }, 90s)) << "the install never started";

    // Slot b half written: power cut.
    EXPECT_EQ(b.update_state(), "writing");
    b.fleet.device_processes().at(b.agent).signal(SIGKILL);
    ::kill(-std::stoi(read_text(held)), SIGKILL);  // the handler's process group
    ASSERT_NE(b.fleet.device_processes().at(b.agent).wait_exit(10s), -1);
    EXPECT_EQ(fs::file_size(b.slot_b), 100000u);
    EXPECT_EQ(b.env("fleetcast_slot"), "a") << "an incomplete slot is selected";
    EXPECT_EQ(b.env("upgrade_available"), "0");
    b.expect_selected_slot_complete(image);

    // Power on: the factory slot boots; the agent verifies the image again and installs it again.
    fs::remove(b.hold_install);
    b.power_on();
    EXPECT_EQ(read_text(b.booted), "a");
    auto row = b.ended(campaign, 90s);
    EXPECT_EQ(row.result, "UPDATING COMPLETED") << row.state << ": " << row.detail;
    EXPECT_EQ(sha256_of(b.slot_b), image.sha256);
    EXPECT_EQ(read_text(b.booted), "b");
    EXPECT_EQ(b.env("fleetcast_slot"), "b");
    EXPECT_EQ(b.env("upgrade_available"), "0");
    EXPECT_EQ(booted_version(b.fleet, kDevice), "2.0");
}

TEST(RealDevice, KillDuringTrialBootBeforeCommitFallsBackAndReportsTheUnconfirmedBoot) {
    RealBox b;
    write_text(b.hold_health, "");  // the trial boot's health check waits for the test
    auto image = b.add_image("2.0", 5 * kDefaultChunkSize + 9);
    auto campaign = b.create(image);
    ASSERT_FALSE(campaign.empty());
    const auto held = b.hold_health.string() + ".held";
    ASSERT_TRUE(eventually([&] { return fs::exists(held); }, 90s)) << "the trial boot never ran its health check";

    // Rebooted into slot b, verified, health check running: power cut.
    EXPECT_EQ(b.update_state(), "trial_boot");
    b.fleet.device_processes().at(b.agent).signal(SIGKILL);
    ::kill(-std::stoi(read_text(held)), SIGKILL);  // the health check's process group
    ASSERT_NE(b.fleet.device_processes().at(b.agent).wait_exit(10s), -1);
    EXPECT_EQ(read_text(b.booted), "b");
    EXPECT_EQ(b.env("fleetcast_slot"), "b");
    EXPECT_EQ(b.env("upgrade_available"), "1") << "committed before the health check passed";
    b.expect_selected_slot_complete(image);

    // Power on: the trial was used up, U-Boot falls back to a; the agent rolls the update back.
    fs::remove(b.hold_health);
    b.power_on();
    EXPECT_EQ(read_text(b.booted), "a");
    auto row = b.ended(campaign, 90s);
    EXPECT_EQ(row.result, "ERROR") << row.state << ": " << row.detail;
    EXPECT_EQ(row.error, "boot_failed") << row.detail;
    EXPECT_NE(row.detail.find("stopped before it was confirmed"), std::string::npos) << row.detail;
    EXPECT_TRUE(eventually([&] { return b.update_state() == "idle"; }, 20s)) << b.update_state();
    EXPECT_EQ(read_text(b.booted), "a");
    EXPECT_EQ(b.env("fleetcast_slot"), "a");
    EXPECT_EQ(b.env("upgrade_available"), "0");
    EXPECT_EQ(sha256_of(b.slot_a), b.factory_sha);
    EXPECT_TRUE(eventually([&] { return booted_version(b.fleet, kDevice) == "1.0"; }, 20s));
    EXPECT_TRUE(eventually([&] { return OneDevice::running_main_of(b.fleet) == "1.0"; }, 20s));
}

TEST(RealDevice, KillDuringTrialBootWithoutRebootRollsBackTheRunningNewSlot) {
    // A crash of the agent alone (no power cut): it is started again on the new
    // slot, whose trial was never confirmed; it rolls back and reboots into a.
    RealBox b;
    write_text(b.hold_health, "");
    auto image = b.add_image("2.0", 3 * kDefaultChunkSize);
    auto campaign = b.create(image);
    ASSERT_FALSE(campaign.empty());
    const auto held = b.hold_health.string() + ".held";
    ASSERT_TRUE(eventually([&] { return fs::exists(held); }, 90s)) << "the trial boot never ran its health check";
    b.fleet.device_processes().at(b.agent).signal(SIGKILL);
    ::kill(-std::stoi(read_text(held)), SIGKILL);
    ASSERT_NE(b.fleet.device_processes().at(b.agent).wait_exit(10s), -1);
    b.expect_selected_slot_complete(image);

    fs::remove(b.hold_health);
    b.fleet.restart_devices(b.agent);
    auto row = b.ended(campaign, 90s);
    EXPECT_EQ(row.result, "ERROR") << row.state << ": " << row.detail;
    EXPECT_EQ(row.error, "boot_failed") << row.detail;
    EXPECT_TRUE(eventually([&] { return read_text(b.booted) == "a"; }, 20s)) << "no reboot into the old slot";
    EXPECT_EQ(b.env("fleetcast_slot"), "a");
    EXPECT_EQ(b.env("upgrade_available"), "0");
    EXPECT_TRUE(eventually([&] { return OneDevice::running_main_of(b.fleet) == "1.0"; }, 20s));
    EXPECT_NE(b.agent_log().find("step=rollback"), std::string::npos);
}

namespace {
// The largest size the agent's state directory reached while `run` ran
// (sampled every 20 ms on a thread of its own).
template <typename Run>
std::uint64_t peak_state_dir_bytes(RealBox& b, Run run) {
    std::atomic<bool> done{false};
    std::atomic<std::uint64_t> peak{0};
    std::thread sampler([&] {
        while (!done) {
            auto n = b.state_dir_bytes();
            if (n > peak) peak = n;
            std::this_thread::sleep_for(20ms);
        }
    });
    run();
    done = true;
    sampler.join();
    return std::max<std::uint64_t>(peak, b.state_dir_bytes());
}
}  // namespace

TEST(RealDevice, DirectWriteFillsTheInactiveSlotWithoutACopyInTheStateDirectory) {
    // Slow flash: the transfer lasts long enough for the sampler to see it.
    RealBox b({.extra = {"--flash-write-delay", "100ms"}, .direct = true});
    auto image = b.add_image("2.0", 16 * kDefaultChunkSize + 321);
    auto campaign = b.create(image);
    ASSERT_FALSE(campaign.empty());
    EndedRow row;
    const auto peak = peak_state_dir_bytes(b, [&] { row = b.ended(campaign, 90s); });
    EXPECT_EQ(row.result, "UPDATING COMPLETED") << row.state << ": " << row.detail;
    // The chunks went straight into slot b: the state directory never held the image.
    EXPECT_LT(peak, image.size) << "the state directory held " << peak << " bytes";
    EXPECT_LT(b.state_dir_bytes(), image.size);
    EXPECT_EQ(sha256_of(b.slot_b), image.sha256);
    EXPECT_EQ(fs::file_size(b.slot_b), image.size);
    EXPECT_EQ(sha256_of(b.slot_a), b.factory_sha);
    EXPECT_EQ(read_text(b.booted), "b");
    EXPECT_EQ(b.env("fleetcast_slot"), "b");
    EXPECT_EQ(b.env("upgrade_available"), "0");
    EXPECT_EQ(booted_version(b.fleet, kDevice), "2.0");
    auto log = b.agent_log();
    EXPECT_NE(log.find(" device slot_direct "), std::string::npos);
    for (const char* step : {"step=slot-path", "step=install", "step=activate", "step=verify", "step=commit"})
        EXPECT_NE(log.find(step), std::string::npos) << step;
}

TEST(RealDevice, KillDuringDirectDownloadResumesIntoTheSlotWithOnlyTheMissingChunks) {
    RealBox b({.extra = {"--flash-write-delay", "250ms"}, .direct = true});
    auto image = b.add_image("2.0", 16 * kDefaultChunkSize);
    ASSERT_EQ(image.chunk_count, 16u);
    Observer wire(b.fleet.uri(), "wire");
    const auto fanout = *topics::site_model_chunk("gw1", "A123", image.fw_id);
    const auto repair = *topics::dev_chunk("gw1", kDevice, image.fw_id);
    for (const auto& t : {fanout, repair}) wire.subscribe(t);
    auto count = [&](const std::string& topic) {
        auto s = wire.stats();
        auto it = s.find(topic);
        return it == s.end() ? std::uint64_t{0} : it->second.messages;
    };
    auto campaign = b.create(image);
    ASSERT_FALSE(campaign.empty());
    ASSERT_TRUE(eventually([&] { return b.chunks_written(image) >= 4; }, 60s)) << "no chunk reached the slot";

    // Power cut in the middle of the transfer into slot b.
    b.fleet.device_processes().at(b.agent).signal(SIGKILL);
    ASSERT_NE(b.fleet.device_processes().at(b.agent).wait_exit(10s), -1);
    const auto written = b.chunks_written(image);
    EXPECT_EQ(b.update_state(), "receiving");
    EXPECT_LT(written, image.chunk_count) << "the kill came after the transfer";
    // Slot b holds part of the image; the bootloader still boots the factory slot.
    EXPECT_EQ(fs::file_size(b.slot_b), image.size);
    EXPECT_NE(sha256_of(b.slot_b), image.sha256);
    EXPECT_EQ(b.env("fleetcast_slot"), "a");
    EXPECT_EQ(b.env("upgrade_available"), "0");
    EXPECT_LT(b.state_dir_bytes(), image.size);
    ASSERT_TRUE(wire.wait_for([&](const auto&) { return count(fanout) == image.chunk_count; }, 30s));
    const auto sent_before = count(fanout) + count(repair);

    b.fleet.restart_devices(b.agent);
    EndedRow row;
    const auto peak = peak_state_dir_bytes(b, [&] { row = b.ended(campaign, 90s); });
    EXPECT_EQ(row.result, "UPDATING COMPLETED") << row.state << ": " << row.detail;
    EXPECT_LT(peak, image.size);
    EXPECT_EQ(sha256_of(b.slot_b), image.sha256);
    EXPECT_EQ(read_text(b.booted), "b");
    EXPECT_EQ(b.env("upgrade_available"), "0");
    // Resumed into the slot: only chunks the agent had not written came again.
    const auto sent_after = count(fanout) + count(repair) - sent_before;
    EXPECT_GE(sent_after, 1u);
    EXPECT_LE(sent_after, image.chunk_count - written) << written << " chunks were in the slot at the kill";
    EXPECT_NE(b.agent_log().find(" device slot_resumed "), std::string::npos);
}

TEST(RealDevice, GrubUpdateCommitsAndAFailedHealthCheckRollsBack) {
    RealBox b({.extra = {}, .direct = true, .bootloader = "grub"});
    auto v2 = b.add_image("2.0", 3 * kDefaultChunkSize + 5);
    auto first = b.create(v2);
    ASSERT_FALSE(first.empty());
    auto row = b.ended(first, 90s);
    ASSERT_EQ(row.result, "UPDATING COMPLETED") << row.state << ": " << row.detail;
    EXPECT_EQ(sha256_of(b.slot_b), v2.sha256);
    EXPECT_EQ(read_text(b.booted), "b");
    EXPECT_EQ(b.env("fleetcast_slot"), "b");
    EXPECT_EQ(b.env("upgrade_available"), "0");
    EXPECT_EQ(b.env("bootcount"), "0");

    // 3.0 goes to slot a; its trial boot fails the self-test: grubenv and the booted slot go back to b.
    write_text(b.unhealthy, "");
    auto v3 = b.add_image("3.0", 2 * kDefaultChunkSize + 99);
    auto second = b.create(v3);
    ASSERT_FALSE(second.empty());
    row = b.ended(second, 90s);
    EXPECT_EQ(row.result, "ERROR") << row.state << ": " << row.detail;
    EXPECT_EQ(row.error, "boot_failed") << row.detail;
    EXPECT_NE(row.detail.find("printer engine not responding"), std::string::npos) << row.detail;
    EXPECT_EQ(sha256_of(b.slot_a), v3.sha256);
    EXPECT_TRUE(eventually([&] { return read_text(b.booted) == "b"; }, 20s)) << read_text(b.booted);
    EXPECT_EQ(b.env("fleetcast_slot"), "b");
    EXPECT_EQ(b.env("upgrade_available"), "0");
    EXPECT_EQ(sha256_of(b.slot_b), v2.sha256);
    EXPECT_TRUE(eventually([&] { return booted_version(b.fleet, kDevice) == "2.0"; }, 20s));
    EXPECT_NE(b.agent_log().find("step=rollback"), std::string::npos);
}

TEST(RealDevice, KillDuringActivateSelectsOnlyACompleteSlotAndTheRestartActivatesAgain) {
    RealBox b({.extra = {}, .activate_can_hold = true});
    write_text(b.hold_activate, "");
    auto image = b.add_image("2.0", 4 * kDefaultChunkSize + 11);
    auto campaign = b.create(image);
    ASSERT_FALSE(campaign.empty());
    const auto held = b.hold_activate.string() + ".held";
    ASSERT_TRUE(eventually([&] { return fs::exists(held); }, 90s)) << "the activate step never ran";

    // The environment selects slot b on trial; the agent has not heard the step end: kill -9.
    EXPECT_EQ(b.update_state(), "restarting");
    b.fleet.device_processes().at(b.agent).signal(SIGKILL);
    ::kill(-std::stoi(read_text(held)), SIGKILL);  // the handler's process group
    ASSERT_NE(b.fleet.device_processes().at(b.agent).wait_exit(10s), -1);
    b.expect_selected_slot_complete(image);
    EXPECT_EQ(sha256_of(b.slot_b), image.sha256);
    EXPECT_EQ(read_text(b.booted), "a");

    // The agent alone comes back (no reboot yet): it activates again, reboots, and the trial commits.
    fs::remove(b.hold_activate);
    b.fleet.restart_devices(b.agent);
    auto row = b.ended(campaign, 90s);
    EXPECT_EQ(row.result, "UPDATING COMPLETED") << row.state << ": " << row.detail;
    EXPECT_EQ(read_text(b.booted), "b");
    EXPECT_EQ(b.env("fleetcast_slot"), "b");
    EXPECT_EQ(b.env("upgrade_available"), "0");
    EXPECT_EQ(booted_version(b.fleet, kDevice), "2.0");
    EXPECT_NE(b.agent_log().find(" device activate_resumed "), std::string::npos);
}

TEST(RealDevice, KillDuringActivateThenPowerCycleCommitsTheTrialBoot) {
    RealBox b({.extra = {}, .activate_can_hold = true, .direct = true});
    write_text(b.hold_activate, "");
    auto image = b.add_image("2.0", 3 * kDefaultChunkSize + 1);
    auto campaign = b.create(image);
    ASSERT_FALSE(campaign.empty());
    const auto held = b.hold_activate.string() + ".held";
    ASSERT_TRUE(eventually([&] { return fs::exists(held); }, 90s)) << "the activate step never ran";
    b.fleet.device_processes().at(b.agent).signal(SIGKILL);
    ::kill(-std::stoi(read_text(held)), SIGKILL);
    ASSERT_NE(b.fleet.device_processes().at(b.agent).wait_exit(10s), -1);
    b.expect_selected_slot_complete(image);

    // Power cycle: the bootloader tries slot b once; the agent activates again (a fresh trial) and reboots.
    fs::remove(b.hold_activate);
    b.power_on();
    EXPECT_EQ(read_text(b.booted), "b");
    auto row = b.ended(campaign, 90s);
    EXPECT_EQ(row.result, "UPDATING COMPLETED") << row.state << ": " << row.detail;
    EXPECT_EQ(read_text(b.booted), "b");
    EXPECT_EQ(b.env("fleetcast_slot"), "b");
    EXPECT_EQ(b.env("upgrade_available"), "0");
    EXPECT_EQ(sha256_of(b.slot_b), image.sha256);
    EXPECT_EQ(booted_version(b.fleet, kDevice), "2.0");
}

TEST(RealDevice, NewStateDirectoryOnSlotBAsksTheHandlerAndInstallsTheFirstUpdateIntoSlotA) {
    RealBox b({.extra = {}, .direct = true, .factory_slot = "b"});
    auto image = b.add_image("2.0", 3 * kDefaultChunkSize + 40);
    auto campaign = b.create(image);
    ASSERT_FALSE(campaign.empty());
    auto row = b.ended(campaign, 90s);
    EXPECT_EQ(row.result, "UPDATING COMPLETED") << row.state << ": " << row.detail;
    // The running slot b was never written: the update went to a, and a boots now.
    EXPECT_EQ(sha256_of(b.slot_b), b.factory_sha);
    EXPECT_EQ(sha256_of(b.slot_a), image.sha256);
    EXPECT_EQ(read_text(b.booted), "a");
    EXPECT_EQ(b.env("fleetcast_slot"), "a");
    EXPECT_EQ(b.env("upgrade_available"), "0");
    EXPECT_EQ(booted_version(b.fleet, kDevice), "2.0");
    auto log = b.agent_log();
    EXPECT_NE(log.find(" device booted_slot_adopted "), std::string::npos);
    EXPECT_NE(log.find("step=booted-slot"), std::string::npos);
}
