#pragma once
// A gateway's maintenance window (issue 16 item 5): `gateway set-window GW
// "Mon-Fri 22:00-05:00" --tz Europe/Berlin` and `gateway clear-window GW`.
#include <string>
#include <vector>

#include "common/operator_windows.hpp"
#include "manager/cli/commands.hpp"

namespace fleetcast::cli {

int set_window_command(const GlobalOptions& g, const std::vector<std::string>& args);
int clear_window_command(const GlobalOptions& g, const std::vector<std::string>& args);
// "Mon-Fri 22:00-05:00 Europe/Berlin, open until 05:00Z" / "-": the views' cell.
std::string window_cell(const std::optional<GatewayWindowView>& w);

}  // namespace fleetcast::cli
