#pragma once
// The operator's actions on one device's update (R12, R14, R15, R19): defer,
// cancel, suspend, resume, and its deferment parameter. Each sends one request
// and then follows the device's row in the campaign's results (`results` with
// `device`: that row alone, at any campaign size) until the gateway's report
// shows the effect (or the timeout).
#include <string>
#include <vector>

#include "manager/cli/commands.hpp"

namespace fleetcast::cli {

int defer_command(const GlobalOptions& g, const std::vector<std::string>& args);
int cancel_command(const GlobalOptions& g, const std::vector<std::string>& args);
// `suspend DEVICE` / `resume DEVICE`: hold the update (its transfer stops, the
// device keeps what it received) / let it run again from where it stopped.
int suspend_command(const GlobalOptions& g, const std::vector<std::string>& args, bool suspend);
int set_param_command(const GlobalOptions& g, const std::vector<std::string>& args);

}  // namespace fleetcast::cli
