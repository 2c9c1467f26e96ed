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

// Issue 17 item 7: bytes the manager sent a link and what deltas/compression
// saved: "1200 B sent, 8800 B saved"; "-" from an older manager (no links).
std::string link_bytes_text(const LinkBytes& l);
// The same summed over the campaign's gateways.
std::string link_bytes_text(const std::optional<std::vector<LinkBytes>>& links);

// "[##########----------]  50%"
std::string progress_bar(std::uint64_t percent, std::size_t width = 20);

}  // namespace fleetcast::cli
