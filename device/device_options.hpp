#pragma once
// The command line of fleetcast-device, turned into host options.
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/log.hpp"
#include "device/device_host.hpp"

namespace fleetcast::device {

struct CommandLine {
    HostOptions host;
    LogLevel log_level = LogLevel::Info;
    bool help = false;
    std::string usage;
};

// argv[0..argc) as given to main; errors name the offending option.
Expected<CommandLine> parse_command_line(int argc, char** argv);

}  // namespace fleetcast::device
