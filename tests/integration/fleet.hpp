#pragma once
// A whole fleetcast installation for one integration test: a real mosquitto on
// a free port, the real manager, gateway(s) and device simulators as child
// processes, state in a temp folder, and the operator CLI.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "tests/support/broker.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/fleet_launcher.hpp"

namespace fleetcast::testing {

// The fleet's central broker run elsewhere (a broker cluster): its node URIs
// for --broker ("tcp://a,tcp://b"); every program gets them unless told otherwise.
struct CentralBrokerUris {
    std::string uris;
};

class Fleet {
   public:
    // broker_config: a file in broker-config/ for the fleet's (central) broker.
    explicit Fleet(const std::string& broker_config = "dev.conf");
    // Same, with more configuration text appended (e.g. another listener).
    Fleet(const std::string& broker_config, const std::string& extra_config);
    explicit Fleet(CentralBrokerUris central);
    ~Fleet();
    const std::filesystem::path& dir() const { return dir_; }
    Broker& broker() { return *broker_; }  // not with CentralBrokerUris
    std::string uri() const { return broker_ ? broker_->uri() : central_uris_; }

    // The manager signs with keys/manager.key (made by `fleetcast keygen` in the constructor);
    // gateways and devices trust keys/manager.pub unless `extra` names another --trust-key.
    // extra: more options for the program (a default option it names is not added).
    void start_manager(const std::vector<std::string>& extra = {});
    // broker_uri: empty = the fleet's broker (a site broker otherwise).
    // extra: more program arguments; prefix: run the program through it
    // (e.g. {"ip", "netns", "exec", "ns1"}).
    void start_gateway(const std::string& id, const std::string& broker_uri = "",
                       const std::vector<std::string>& extra = {}, const std::vector<std::string>& prefix = {});
    // One simulator process; returns its index in devices().
    std::size_t start_devices(const std::string& gateway, const std::string& model, int count, int first_serial,
                              const std::vector<std::string>& firmware, const std::string& broker_uri = "",
                              const std::vector<std::string>& extra = {}, const std::vector<std::string>& prefix = {});
    // One real device agent (no --simulate) with its state in `state_dir`; returns its index in devices().
    std::size_t start_agent(const std::string& gateway, const std::string& id, const std::string& model,
                            const std::filesystem::path& state_dir, const std::vector<std::string>& firmware,
                            const std::vector<std::string>& extra = {});
    // A real device agent configured by its config file alone (`fleetcast-device --config FILE`);
    // its log is agent-ID.log. Returns its index in devices().
    std::size_t start_configured_agent(const std::string& id, const std::filesystem::path& config);
    // Starts a program again (after a kill -9) with the arguments it was last
    // started with: same broker, state dir and options; the log is appended to.
    void restart_manager();
    void restart_gateway(const std::string& id);
    void restart_devices(std::size_t index);
    std::filesystem::path signing_key() const { return launcher_->signing_key(); }
    std::filesystem::path trust_key() const { return launcher_->trust_key(); }
    // Another key pair (an attacker's, or a second manager's): returns the private key path.
    std::filesystem::path make_key_pair(const std::string& name);
    // A site broker for `gateway`, bridged to the fleet's broker, configured by scripts/site-broker.
    Broker& start_site_broker(const std::string& gateway);
    std::string gateway_broker_uri(const std::string& gateway) const { return site_brokers_.at(gateway)->uri(); }
    // `fleetcast-device panel --state-dir DIR ARGS...`
    CommandResult panel(const std::string& device_id, const std::vector<std::string>& args);
    ChildProcess& manager() { return manager_; }
    ChildProcess& gateway(const std::string& id) { return gateways_.at(id); }
    std::vector<ChildProcess>& device_processes() { return devices_; }
    std::filesystem::path device_dir(const std::string& device_id) const;

    // A random image file of `size` bytes.
    ImageFile make_image(const std::string& model, const std::string& component, const std::string& version,
                         std::uint64_t size);
    // `fleetcast firmware add`; fills fw_id.
    void add_firmware(ImageFile& image, const std::vector<std::string>& extra = {});
    CommandResult cli(const std::vector<std::string>& args,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30));
    // `fleetcast ... --json`, parsed; empty Json on failure (with the output logged).
    Json cli_json(const std::vector<std::string>& args);
    // Waits until the manager lists `n` devices.
    bool wait_registered(std::size_t n, std::chrono::milliseconds timeout);
    // Prints every log when a test failed.
    void dump_logs_on_failure() const;

   private:
    std::filesystem::path dir_;
    std::unique_ptr<Broker> broker_;
    std::string central_uris_;                 // CentralBrokerUris
    std::unique_ptr<FleetLauncher> launcher_;  // keys, command lines, images, the CLI
    ChildProcess manager_;
    std::map<std::string, ChildProcess> gateways_;
    std::vector<ChildProcess> devices_;
    std::vector<std::string> manager_argv_;
    std::map<std::string, std::vector<std::string>> gateway_argv_;
    std::vector<std::vector<std::string>> device_argv_;
    std::map<std::string, std::unique_ptr<Broker>> site_brokers_;
    void make_launcher();
};

}  // namespace fleetcast::testing
