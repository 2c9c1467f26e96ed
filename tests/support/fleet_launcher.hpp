#pragma once
// What the integration tests (tests/integration/fleet.hpp, GoogleTest) and the
// benchmarks (bench/bench_fleet.hpp) both need to run a real fleetcast
// installation, written once and free of GoogleTest: the signing keys, each
// program's command line, seeded image files, and the operator CLI.
// Process lifetimes (start, kill, restart) stay with its two users.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/json.hpp"
#include "tests/support/child_process.hpp"

namespace fleetcast::testing {

struct ImageFile {
    std::filesystem::path path;
    std::string model, component, version;
    std::uint64_t size = 0;
    std::string sha256;
    std::string fw_id;             // set by add_firmware
    std::uint32_t chunk_size = 0;  // set by add_firmware
    std::uint32_t chunk_count = 0;
};

struct LauncherOptions {
    std::filesystem::path dir;                 // state of every process (exists)
    std::string broker_uri;                    // the fleet's (central) broker
    std::string log_level;                     // empty: the programs' default
    std::vector<std::string> cli_global_args;  // before every CLI command (e.g. --timeout 20s)
};

// A program's command line: the given argv, then `extra`, then each
// (option, value) of `defaults` that `extra` does not name (a single-valued
// option given twice is a usage error).
std::vector<std::string> with_defaults(std::vector<std::string> argv, const std::vector<std::string>& extra,
                                       const std::vector<std::string>& defaults);

class FleetLauncher {
   public:
    // Makes the manager's key pair (keys/manager.key, keys/manager.pub).
    static Expected<FleetLauncher> create(LauncherOptions options);

    const std::filesystem::path& dir() const { return options_.dir; }
    const std::string& uri() const { return options_.broker_uri; }
    std::filesystem::path signing_key() const { return dir() / "keys" / "manager.key"; }
    std::filesystem::path trust_key() const { return dir() / "keys" / "manager.pub"; }
    // Another key pair (an attacker's, or a second manager's): the private key's path.
    Expected<std::filesystem::path> make_key_pair(const std::string& name) const;

    // Command lines; broker_uri empty = the fleet's broker.
    std::vector<std::string> manager_argv(const std::vector<std::string>& extra = {}) const;
    std::vector<std::string> gateway_argv(const std::string& id, const std::string& broker_uri = "",
                                          const std::vector<std::string>& extra = {}) const;
    // A simulator process of `count` devices (models round-robin), state in dir()/devices.
    std::vector<std::string> simulator_argv(const std::string& gateway, const std::vector<std::string>& models,
                                            int count, int first_serial, const std::vector<std::string>& firmware,
                                            const std::string& broker_uri = "",
                                            const std::vector<std::string>& extra = {}) const;
    // One real device agent (not simulated), state in `state_dir`.
    std::vector<std::string> device_argv(const std::string& gateway, const std::string& id, const std::string& model,
                                         const std::filesystem::path& state_dir,
                                         const std::vector<std::string>& firmware,
                                         const std::vector<std::string>& extra = {}) const;

    // A random image file of `size` bytes; the n-th image of a launcher has seed n.
    ImageFile make_image(const std::string& model, const std::string& component, const std::string& version,
                         std::uint64_t size);
    // `fleetcast firmware add` with `extra` options; fills fw_id and the chunking.
    Status add_firmware(ImageFile& image, const std::vector<std::string>& extra = {});
    // The whole output, however long (a 100,000-row answer is many MiB).
    CommandResult cli(const std::vector<std::string>& args, std::chrono::milliseconds timeout);
    // `fleetcast ... --json`, parsed.
    Expected<Json> cli_json(const std::vector<std::string>& args, std::chrono::milliseconds timeout);
    // Until the manager lists at least n devices.
    bool wait_registered(std::size_t n, std::chrono::milliseconds timeout);
    // `fleetcast campaign create ARGS` (leading `--timeout T` pairs go before
    // the command): the campaign id.
    Expected<std::string> create_campaign(const std::vector<std::string>& args, std::chrono::milliseconds timeout);

   private:
    explicit FleetLauncher(LauncherOptions options) : options_(std::move(options)) {}
    std::vector<std::string> program_defaults() const;
    LauncherOptions options_;
    int image_seed_ = 1;
};

}  // namespace fleetcast::testing
