#pragma once
// The operator commands: each parses its own options, sends one request (or a
// few, when polling) and prints the answer as a table or, with --json, as JSON.
#include <chrono>
#include <string>
#include <vector>

#include "common/mqtt_session.hpp"

namespace fleetcast::cli {

struct GlobalOptions {
    MqttOptions mqtt;
    std::chrono::milliseconds timeout{10000};
    bool json = false;
};

// Exit status: 0 ok, 1 failed (error, timeout, ok=false, campaign not all
// completed), 2 usage error. Throws boost::program_options::error on bad usage.
int run_command(const GlobalOptions& global, const std::string& command, const std::vector<std::string>& args);

// `fleetcast keygen [--out DIR] [--name NAME] [--force]` (cli/keygen.cpp).
int keygen(const std::vector<std::string>& args);

}  // namespace fleetcast::cli
