#pragma once
// `fleetcast audit [--since T] [--limit N]` (issue 19 item 3): who changed
// what, oldest first: time, operator identity, op, args, outcome.
#include <string>
#include <vector>

#include "manager/cli/commands.hpp"

namespace fleetcast::cli {

int audit_command(const GlobalOptions& g, const std::vector<std::string>& args);

}  // namespace fleetcast::cli
