#include "tests/integration/fleet.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>

#include "common/sha256.hpp"
#include "tests/support/observer.hpp"

namespace fleetcast::testing {

namespace fs = std::filesystem;

Fleet::Fleet(const std::string& broker_config) {
    char tmpl[] = "/tmp/fleetcast-it-XXXXXX";
    dir_ = mkdtemp(tmpl);
    broker_ = std::make_unique<Broker>(dir_ / "broker", broker_config);
    make_launcher();
}

Fleet::Fleet(CentralBrokerUris central) : central_uris_(std::move(central.uris)) {
    char tmpl[] = "/tmp/fleetcast-it-XXXXXX";
    dir_ = mkdtemp(tmpl);
    make_launcher();
}

void Fleet::make_launcher() {
    // A generous answer timeout (a loaded CI machine must not turn into a flaky
    // test), below the 30 s this helper waits for the command by default.
    auto l = FleetLauncher::create({dir_, uri(), "", {"--timeout", "20s"}});
    if (!l) throw std::runtime_error(l.error().str());
    launcher_ = std::make_unique<FleetLauncher>(std::move(*l));
}

fs::path Fleet::make_key_pair(const std::string& name) {
    auto key = launcher_->make_key_pair(name);
    EXPECT_TRUE(key) << key.error().str();
    return dir_ / "keys" / (name + ".key");
}

Fleet::Fleet(const std::string& broker_config, const std::string& extra_config) {
    char tmpl[] = "/tmp/fleetcast-it-XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::ifstream in(fs::path(FLEETCAST_BROKER_CONFIG_DIR) / broker_config);
    std::string base((std::istreambuf_iterator<char>(in)), {});
    broker_ = Broker::with_config_text(dir_ / "broker", base + "\n" + extra_config + "\n");
    make_launcher();
}

namespace {
std::vector<std::string> prefixed(const std::vector<std::string>& prefix, std::vector<std::string> argv) {
    argv.insert(argv.begin(), prefix.begin(), prefix.end());
    return argv;
}
}  // namespace

Broker& Fleet::start_site_broker(const std::string& gateway) {
    auto r = run_command({std::string(FLEETCAST_SOURCE_DIR) + "/scripts/site-broker", "--gateway", gateway, "--central",
                          "127.0.0.1:" + std::to_string(broker_->port())},
                         std::chrono::seconds(10));
    if (r.exit_code != 0) throw std::runtime_error("scripts/site-broker failed: " + r.output);
    auto& b = site_brokers_[gateway];
    b = Broker::with_config_text(dir_ / ("site-broker-" + gateway), r.output);
    return *b;
}

Fleet::~Fleet() {
    dump_logs_on_failure();
    for (auto& d : devices_) d.stop(std::chrono::seconds(3));
    for (auto& [id, g] : gateways_) g.stop(std::chrono::seconds(3));
    manager_.stop(std::chrono::seconds(3));
    site_brokers_.clear();
    broker_.reset();
    if (::testing::Test::HasFailure()) return;
    // FLEETCAST_KEEP_TEST_STATE=1 keeps a passing test's state (logs, databases) too.
    if (const char* keep = std::getenv("FLEETCAST_KEEP_TEST_STATE"); keep && *keep == '1') {
        std::fprintf(stderr, "---- test state kept in %s\n", dir_.c_str());
        return;
    }
    fs::remove_all(dir_);
}

void Fleet::dump_logs_on_failure() const {
    if (!::testing::Test::HasFailure()) return;
    std::fprintf(stderr, "---- test state kept in %s\n", dir_.c_str());
    for (auto& entry : fs::directory_iterator(dir_)) {
        if (entry.path().extension() != ".log") continue;
        std::ifstream in(entry.path());
        std::string all((std::istreambuf_iterator<char>(in)), {});
        if (all.size() > 6000) all = "..." + all.substr(all.size() - 6000);
        std::fprintf(stderr, "---- %s (tail)\n%s\n", entry.path().filename().c_str(), all.c_str());
    }
}

void Fleet::start_manager(const std::vector<std::string>& extra) {
    // A restarted manager appends to the same log.
    manager_argv_ = launcher_->manager_argv(extra);
    restart_manager();
}

void Fleet::restart_manager() { manager_ = ChildProcess(manager_argv_, dir_ / "manager.log"); }

void Fleet::restart_gateway(const std::string& id) {
    auto& argv = gateway_argv_.at(id);
    gateways_.at(id) = ChildProcess(argv, dir_ / ("gateway-" + id + ".log"));
}

void Fleet::restart_devices(std::size_t index) {
    devices_.at(index) = ChildProcess(device_argv_.at(index), devices_.at(index).log_path());
}

void Fleet::start_gateway(const std::string& id, const std::string& broker_uri, const std::vector<std::string>& extra,
                          const std::vector<std::string>& prefix) {
    gateways_.erase(id);
    auto argv = prefixed(prefix, launcher_->gateway_argv(id, broker_uri, extra));
    gateway_argv_[id] = argv;
    gateways_.emplace(id, ChildProcess(argv, dir_ / ("gateway-" + id + ".log")));
}

CommandResult Fleet::panel(const std::string& device_id, const std::vector<std::string>& args) {
    std::vector<std::string> argv{FLEETCAST_DEVICE_BIN, "panel", "--state-dir", device_dir(device_id).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, std::chrono::seconds(20));
}

std::size_t Fleet::start_devices(const std::string& gateway, const std::string& model, int count, int first_serial,
                                 const std::vector<std::string>& firmware, const std::string& broker_uri,
                                 const std::vector<std::string>& extra, const std::vector<std::string>& prefix) {
    auto argv = launcher_->simulator_argv(gateway, {model}, count, first_serial, firmware, broker_uri, extra);
    auto log = dir_ / ("devices-" + model + "-" + std::to_string(first_serial) + ".log");
    device_argv_.push_back(prefixed(prefix, argv));
    devices_.emplace_back(device_argv_.back(), log);
    return devices_.size() - 1;
}

std::size_t Fleet::start_agent(const std::string& gateway, const std::string& id, const std::string& model,
                               const fs::path& state_dir, const std::vector<std::string>& firmware,
                               const std::vector<std::string>& extra) {
    auto argv = launcher_->device_argv(gateway, id, model, state_dir, firmware, extra);
    device_argv_.push_back(argv);
    devices_.emplace_back(device_argv_.back(), dir_ / ("agent-" + id + ".log"));
    return devices_.size() - 1;
}

std::size_t Fleet::start_configured_agent(const std::string& id, const fs::path& config) {
    device_argv_.push_back({FLEETCAST_DEVICE_BIN, "--config", config.string()});
    devices_.emplace_back(device_argv_.back(), dir_ / ("agent-" + id + ".log"));
    return devices_.size() - 1;
}

fs::path Fleet::device_dir(const std::string& device_id) const { return dir_ / "devices" / device_id; }

ImageFile Fleet::make_image(const std::string& model, const std::string& component, const std::string& version,
                            std::uint64_t size) {
    return launcher_->make_image(model, component, version, size);
}

void Fleet::add_firmware(ImageFile& image, const std::vector<std::string>& extra) {
    auto st = launcher_->add_firmware(image, extra);
    ASSERT_TRUE(st) << "firmware add failed: " << st.error().str();
    EXPECT_EQ(image.fw_id, image.sha256.substr(0, 16));
}

CommandResult Fleet::cli(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    return launcher_->cli(args, timeout);
}

Json Fleet::cli_json(const std::vector<std::string>& args) {
    auto j = launcher_->cli_json(args, std::chrono::seconds(30));
    if (!j) {
        ADD_FAILURE() << j.error().str();
        return Json();
    }
    return std::move(*j);
}

bool Fleet::wait_registered(std::size_t n, std::chrono::milliseconds timeout) {
    return launcher_->wait_registered(n, timeout);
}

}  // namespace fleetcast::testing
