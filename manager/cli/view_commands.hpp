#pragma once
// The operator views of R19 (issue 5): status, targets, unregistered,
// gateway, results grouped by gateway, campaign watch. Each prints an aligned
// table, or the manager's response data with --json.
#include <map>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "common/operator_campaign_views.hpp"
#include "manager/cli/commands.hpp"

namespace fleetcast::cli {

int status_command(const GlobalOptions& g, const std::vector<std::string>& args);
int targets_command(const GlobalOptions& g, const std::vector<std::string>& args);
int unregistered_command(const GlobalOptions& g, const std::vector<std::string>& args);
int gateway_command(const GlobalOptions& g, const std::vector<std::string>& args);
int campaign_watch_command(const GlobalOptions& g, const std::vector<std::string>& args);
// Fig. 46/47: per gateway a table of its devices, then one summary line.
// windows: gateway -> its maintenance window as a cell (issue 16 item 5; shown after the gateway's name).
void print_results_by_gateway(const ResultsAnswer& results, const std::map<std::string, std::string>& windows = {});

// "[##########----------]  50%"
std::string progress_bar(std::uint64_t percent, std::size_t width = 20);

}  // namespace fleetcast::cli
