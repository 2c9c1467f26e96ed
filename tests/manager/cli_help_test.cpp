// `fleetcast COMMAND --help` (issue 19 item 5): each command prints its own
// usage, options and an example, without a broker; a bad option names the
// command it was given to.
#include <gtest/gtest.h>

#include <chrono>

#include "manager/cli/command_help.hpp"
#include "tests/support/child_process.hpp"

using namespace std::chrono_literals;

namespace fleetcast {
namespace {

std::vector<std::string> words(const std::string& name) {
    std::vector<std::string> out;
    std::string::size_type start = 0;
    while (start <= name.size()) {
        auto end = name.find(' ', start);
        if (end == std::string::npos) end = name.size();
        out.push_back(name.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

TEST(CliHelp, EveryCommandPrintsItsOwnUsageOptionsAndAnExampleWithoutABroker) {
    for (const auto& c : cli::command_table()) {
        // A broker address nobody listens on: help must not connect.
        std::vector<std::string> argv{FLEETCAST_CLI_BIN, "--broker", "tcp://127.0.0.1:1"};
        for (const auto& w : words(c.name)) argv.push_back(w);
        argv.push_back("--help");
        auto r = testing::run_command(argv, 30s);
        EXPECT_EQ(r.exit_code, 0) << c.name << ": " << r.output;
        EXPECT_NE(r.output.find("usage: fleetcast [global options] " + c.name), std::string::npos)
            << c.name << ": " << r.output;
        EXPECT_NE(r.output.find("example:\n  " + c.example), std::string::npos) << c.name << ": " << r.output;
        EXPECT_EQ(r.output.find("commands (fleetcast COMMAND --help"), std::string::npos)
            << c.name << " printed the global help: " << r.output;
    }
}

TEST(CliHelp, CampaignCreateHelpListsItsOptions) {
    auto r = testing::run_command({FLEETCAST_CLI_BIN, "campaign", "create", "-h"}, 30s);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    for (const char* option : {"--model", "--devices-file", "--asap", "--max-failures", "--on-failure"})
        EXPECT_NE(r.output.find(option), std::string::npos) << option << ": " << r.output;
}

TEST(CliHelp, AnUnknownOptionNamesTheCommandItWasGivenTo) {
    auto r = testing::run_command(
        {FLEETCAST_CLI_BIN, "--broker", "tcp://127.0.0.1:1", "campaign", "list", "--limt", "3"}, 30s);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("campaign list"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("--limt"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("run 'fleetcast campaign list --help'"), std::string::npos) << r.output;
    auto extra = testing::run_command({FLEETCAST_CLI_BIN, "--broker", "tcp://127.0.0.1:1", "devices", "--all"}, 30s);
    EXPECT_EQ(extra.exit_code, 2) << extra.output;
    EXPECT_NE(extra.output.find("devices"), std::string::npos) << extra.output;
}

TEST(CliHelp, TheGlobalHelpListsEveryCommand) {
    auto r = testing::run_command({FLEETCAST_CLI_BIN, "--help"}, 30s);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    for (const auto& c : cli::command_table())
        EXPECT_NE(r.output.find("  " + c.name), std::string::npos) << c.name << ": " << r.output;
}

}  // namespace
}  // namespace fleetcast
