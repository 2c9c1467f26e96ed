#pragma once
// Campaign-level operator commands (issue 16): `campaign list`, and
// `campaign pause|resume|cancel CAMPAIGN`, which send the op and then follow
// the campaign's `control` in campaign_list until every online gateway
// confirmed it (or the timeout), naming the offline gateways that will apply
// it when they come back.
#include <string>
#include <vector>

#include "common/messages.hpp"
#include "manager/cli/commands.hpp"

namespace fleetcast::cli {

int campaign_list_command(const GlobalOptions& g, const std::vector<std::string>& args);
int campaign_control_command(const GlobalOptions& g, const std::vector<std::string>& args, CampaignAction action);

}  // namespace fleetcast::cli
