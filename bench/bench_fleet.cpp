#include "bench/bench_fleet.hpp"

#include <sys/resource.h>
#include <sys/wait.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>

#include "common/atomic_file.hpp"
#include "common/ids.hpp"
#include "common/messages.hpp"
#include "common/sha256.hpp"
#include "tests/support/observer.hpp"

namespace fleetcast::bench {

namespace fs = std::filesystem;
using testing::ChildProcess;

std::uint64_t raise_open_files_limit() {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
    ::getrlimit(RLIMIT_NOFILE, &rl);
    return rl.rlim_cur;
}

BenchFleet::BenchFleet(FleetOptions options) : options_(std::move(options)) {
    fs::create_directories(options_.dir);
    raise_open_files_limit();
    if (options_.broker_uris.empty())
        broker_ = std::make_unique<testing::Broker>(options_.dir / "broker", options_.broker_config);
    // Manifests are always signed: the manager signs, gateways and devices trust its public key.
    auto l = testing::FleetLauncher::create({options_.dir, uri(), options_.log_level, {}});
    if (!l) throw std::runtime_error(l.error().str());
    launcher_ = std::make_unique<testing::FleetLauncher>(std::move(*l));
}

BenchFleet::~BenchFleet() { stop_all(); }

int BenchFleet::port() const {
    if (broker_) return broker_->port();
    const auto& list = options_.device_broker.empty() ? options_.broker_uris : options_.device_broker;
    const auto first = list.substr(0, list.find(','));
    return std::atoi(first.substr(first.rfind(':') + 1).c_str());
}

void BenchFleet::stop_all() {
    for (auto& [name, p] : others_) p.stop(std::chrono::seconds(5));
    for (auto& [id, g] : gateways_) g.stop(std::chrono::seconds(5));
    manager_.stop(std::chrono::seconds(5));
}

ChildProcess& BenchFleet::start_manager() {
    manager_ = ChildProcess(launcher_->manager_argv(), dir() / "manager.log");
    return manager_;
}

ChildProcess& BenchFleet::start_gateway(const std::string& id, const std::vector<std::string>& extra) {
    auto args = options_.gateway_args;
    args.insert(args.end(), extra.begin(), extra.end());
    auto argv = launcher_->gateway_argv(id, options_.gateway_broker, args);
    gateways_.erase(id);
    return gateways_.emplace(id, ChildProcess(argv, dir() / ("gateway-" + id + ".log"))).first->second;
}

ChildProcess& BenchFleet::start_simulator(const std::string& gateway, const std::vector<std::string>& models, int count,
                                          const std::vector<std::string>& firmware) {
    int first = 1 + simulators_ * 100000;
    auto argv = launcher_->simulator_argv(gateway, models, count, first, firmware, options_.device_broker,
                                          options_.device_args);
    auto name = "simulator-" + std::to_string(++simulators_);
    others_.erase(name);
    return others_.emplace(name, ChildProcess(argv, dir() / (name + ".log"))).first->second;
}

ChildProcess& BenchFleet::start_device(const std::string& gateway, const std::string& id, const std::string& model,
                                       const std::vector<std::string>& firmware) {
    auto argv = launcher_->device_argv(gateway, id, model, device_dir(id), firmware, options_.device_args);
    auto name = "device-" + id;
    others_.erase(name);
    return others_.emplace(name, ChildProcess(argv, dir() / (name + ".log"))).first->second;
}

Status BenchFleet::add_firmware(ImageFile& image, std::uint32_t chunk_size) {
    std::vector<std::string> extra;
    if (chunk_size) extra = {"--chunk-size", std::to_string(chunk_size)};
    return launcher_->add_firmware(image, extra);
}

testing::CommandResult BenchFleet::cli(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    return launcher_->cli(args, timeout);
}

Expected<Json> BenchFleet::cli_json(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    return launcher_->cli_json(args, timeout);
}

bool BenchFleet::wait_registered(std::size_t n, std::chrono::milliseconds timeout) {
    return launcher_->wait_registered(n, timeout);
}

Expected<std::string> BenchFleet::create_campaign(const std::vector<std::string>& args) {
    return launcher_->create_campaign(args, std::chrono::seconds(180));
}

}  // namespace fleetcast::bench
