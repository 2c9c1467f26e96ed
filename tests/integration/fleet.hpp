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

namespace fleetcast::testing {

struct ImageFile {
    std::filesystem::path path;
    std::string model, component, version;
    std::uint64_t size = 0;
    std::string sha256;
    std::string fw_id;  // set by add_firmware
};

class Fleet {
public:
    // broker_config: a file in broker-config/ for the fleet's (central) broker.
    explicit Fleet(const std::string& broker_config = "dev.conf");
    // Same, with more configuration text appended (e.g. another listener).
    Fleet(const std::string& broker_config, const std::string& extra_config);
    ~Fleet();
    const std::filesystem::path& dir() const { return dir_; }
    Broker& broker() { return *broker_; }
    std::string uri() const { return broker_->uri(); }

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
                              const std::vector<std::string>& extra = {},
                              const std::vector<std::string>& prefix = {});
    std::filesystem::path signing_key() const { return dir_ / "keys" / "manager.key"; }
    std::filesystem::path trust_key() const { return dir_ / "keys" / "manager.pub"; }
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
    CommandResult cli(const std::vector<std::string>& args, std::chrono::milliseconds timeout = std::chrono::seconds(30));
    // `fleetcast ... --json`, parsed; empty Json on failure (with the output logged).
    Json cli_json(const std::vector<std::string>& args);
    // Waits until the manager lists `n` devices.
    bool wait_registered(std::size_t n, std::chrono::milliseconds timeout);
    // Prints every log when a test failed.
    void dump_logs_on_failure() const;

private:
    std::filesystem::path dir_;
    std::unique_ptr<Broker> broker_;
    ChildProcess manager_;
    std::map<std::string, ChildProcess> gateways_;
    std::vector<ChildProcess> devices_;
    std::map<std::string, std::unique_ptr<Broker>> site_brokers_;
    int image_seed_ = 1;
};

}  // namespace fleetcast::testing
