#pragma once
// Every operator command's usage line, what it does and an example: the one
// table behind `fleetcast --help` (all of them) and `fleetcast COMMAND --help`
// (one, with the options the command itself declares).
#include <optional>
#include <string>
#include <vector>

namespace fleetcast::cli {

struct CommandHelp {
    std::string name;     // "campaign create": the words that select the command
    std::string usage;    // arguments and options in short
    std::string summary;  // what it does, one or two lines
    std::string example;  // a whole command line
};
const std::vector<CommandHelp>& command_table();
// The entry of `command` (and `sub`, for two-word commands); nullopt when unknown.
std::optional<CommandHelp> find_command(const std::string& command, const std::string& sub);

// `COMMAND --help` (or -h): thrown by parse() with the command's own options,
// printed by main with the command's table entry; exit status 0.
struct HelpRequested {
    std::string options;  // the command's options_description, printed
};

// Usage text of every command (`fleetcast --help`).
std::string commands_usage();
// `fleetcast COMMAND --help`: usage, summary, options, example.
std::string command_usage(const CommandHelp& c, const std::string& options);

}  // namespace fleetcast::cli
