#pragma once
// One fleetcast installation for a benchmark run: a real mosquitto on a free
// loopback port (broker-config/dev.conf), the real manager, gateway(s) and
// device agents as child processes, state under one folder, the operator CLI.
// Unlike tests/integration/fleet.hpp it does not depend on GoogleTest: it is
// shared by bench/fleet_bench and the CI smoke test. Command lines, keys,
// images and the CLI come from tests/support/fleet_launcher.hpp, as there.
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/json.hpp"
#include "tests/support/broker.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/fleet_launcher.hpp"

namespace fleetcast::bench {

using testing::ImageFile;

struct FleetOptions {
    std::filesystem::path dir;  // state of every process; created
    std::string log_level = "info";
    std::string broker_config = "dev.conf";
    std::vector<std::string> gateway_args;  // extra options for every gateway
    std::vector<std::string> device_args;   // extra options for every device process
    // A broker cluster run elsewhere (issue 18): no mosquitto is started; the
    // manager and the CLI use broker_uris, gateways and simulators their own
    // lists (empty: broker_uris), so each connects to another node first.
    std::string broker_uris, gateway_broker, device_broker;
};

class BenchFleet {
   public:
    explicit BenchFleet(FleetOptions options);
    ~BenchFleet();
    BenchFleet(const BenchFleet&) = delete;
    BenchFleet& operator=(const BenchFleet&) = delete;

    const std::filesystem::path& dir() const { return options_.dir; }
    std::string uri() const { return broker_ ? broker_->uri() : options_.broker_uris; }
    // The port the device simulators connect to first.
    int port() const;

    testing::ChildProcess& start_manager();
    testing::ChildProcess& start_gateway(const std::string& id, const std::vector<std::string>& extra = {});
    // A simulator process (--simulate count, models round-robin).
    testing::ChildProcess& start_simulator(const std::string& gateway, const std::vector<std::string>& models,
                                           int count, const std::vector<std::string>& firmware);
    // One real device agent (not simulated); state in dir()/device-{id}.
    testing::ChildProcess& start_device(const std::string& gateway, const std::string& id, const std::string& model,
                                        const std::vector<std::string>& firmware);
    testing::ChildProcess& manager() { return manager_; }
    testing::ChildProcess& gateway(const std::string& id) { return gateways_.at(id); }
    testing::ChildProcess& process(const std::string& name) { return others_.at(name); }
    std::filesystem::path simulator_dir() const { return options_.dir / "devices"; }
    std::filesystem::path device_dir(const std::string& id) const { return options_.dir / ("device-" + id); }

    // A random image file of `size` bytes (seeded: the same size gives the same bytes per seed).
    ImageFile make_image(const std::string& model, const std::string& component, const std::string& version,
                         std::uint64_t size) {
        return launcher_->make_image(model, component, version, size);
    }
    // `fleetcast firmware add` (chunk_size 0: the default); fills fw_id and chunking.
    Status add_firmware(ImageFile& image, std::uint32_t chunk_size = 0);
    testing::CommandResult cli(const std::vector<std::string>& args,
                               std::chrono::milliseconds timeout = std::chrono::seconds(60));
    // `fleetcast ... --json`, parsed.
    Expected<Json> cli_json(const std::vector<std::string>& args,
                            std::chrono::milliseconds timeout = std::chrono::seconds(60));
    // Waits until the manager lists at least n devices.
    bool wait_registered(std::size_t n, std::chrono::milliseconds timeout);
    // `fleetcast campaign create ARGS`: the campaign id.
    Expected<std::string> create_campaign(const std::vector<std::string>& args);

    // Stops every process (SIGTERM, then SIGKILL).
    void stop_all();

   private:
    FleetOptions options_;
    std::unique_ptr<testing::Broker> broker_;
    std::unique_ptr<testing::FleetLauncher> launcher_;
    testing::ChildProcess manager_;
    std::map<std::string, testing::ChildProcess> gateways_;
    std::map<std::string, testing::ChildProcess> others_;
    int simulators_ = 0;
};

// Raises the soft open-files limit to the hard limit (1,000 MQTT clients in
// one process; children inherit it). Returns the new soft limit.
std::uint64_t raise_open_files_limit();

}  // namespace fleetcast::bench
