#pragma once
// `fleetcast-device panel`: the device panel (R20) for a running agent, through
// the files of panel_protocol.hpp. Non-interactive with --show, --defer [--by],
// --cancel, --set-deferment, --status; otherwise an interactive terminal view
// (keys d = defer, c = cancel, q = quit).
namespace fleetcast::device {

// argv[0] is "panel". Exit: 0 done, 1 refused / no agent answered, 2 usage.
int run_panel(int argc, char** argv);

}  // namespace fleetcast::device
