// fleetcast: the operator CLI. Global options here; each command in commands.cpp.
#include <boost/program_options.hpp>
#include <iostream>

#include "common/clock.hpp"
#include "common/config_file.hpp"
#include "common/connection_options.hpp"
#include "common/log.hpp"
#include "manager/cli/command_help.hpp"
#include "manager/cli/commands.hpp"

namespace po = boost::program_options;
using namespace fleetcast;

int main(int argc, char** argv) {
    cli::GlobalOptions g;
    std::string timeout = "10s", command;
    po::options_description opts("fleetcast [options] COMMAND [args]");
    opts.add_options()("help,h", "show this help")(
        "broker", po::value(&g.mqtt.uri)->default_value("tcp://127.0.0.1:1883"),
        "MQTT broker URI, or several separated by commas (a cluster's nodes, tried in turn)")(
        "timeout", po::value(&timeout)->default_value("10s"), "how long to wait for the manager (10s, 1500ms)")(
        "json", po::bool_switch(&g.json), "print the response data as JSON");
    add_connection_options(opts, g.mqtt);
    add_config_option(opts);
    po::options_description hidden;
    hidden.add_options()("command", po::value(&command))("args", po::value<std::vector<std::string>>());
    po::options_description all;
    all.add(opts).add(hidden);
    po::positional_options_description pos;
    pos.add("command", 1).add("args", -1);
    set_log_level(LogLevel::Error);  // the session's own log lines would mix with the output
    try {
        // Global options may come anywhere; everything else goes to the command.
        auto parsed = po::command_line_parser(argc, argv).options(all).positional(pos).allow_unregistered().run();
        po::variables_map vm;
        // A config file may hold the connection options (--broker, --ca, --password, ...), not the command.
        auto stored = store_with_config(parsed, vm, &opts);
        if (!stored) {
            std::cerr << "fleetcast: " << stored.error().message << "\n";
            if (stored.error().code == "bad_option") std::cerr << cli::commands_usage();
            return 2;
        }
        // With --help the values are stored but not notified into their variables.
        if (vm.count("command")) command = vm["command"].as<std::string>();
        auto rest = po::collect_unrecognized(parsed.options, po::include_positional);
        if (!rest.empty()) rest.erase(rest.begin());  // the command itself
        if (command.empty()) {
            std::cout << opts << cli::commands_usage();
            return vm.count("help") ? 0 : 2;
        }
        // `fleetcast COMMAND --help`: the command's own usage, options and example.
        const auto entry = cli::find_command(command, rest.empty() ? "" : rest.front());
        if (vm.count("help")) {
            if (!entry) throw po::error("unknown command '" + command + "'");
            rest.push_back("--help");
        }
        try {
            auto t = parse_duration(timeout);
            if (!t || t->count() <= 0)
                throw po::error(
                    stored->explain("--timeout: " + (t ? std::string("must be positive") : t.error().message)));
            g.timeout = *t;
            return cli::run_command(g, command, rest);
        } catch (const cli::HelpRequested& help) {
            if (entry) std::cout << cli::command_usage(*entry, help.options);
            else std::cout << help.options;
            return 0;
        } catch (const po::error& e) {
            std::cerr << "fleetcast: " << e.what() << "\n";
            if (entry) std::cerr << "run 'fleetcast " << entry->name << " --help' for its options\n";
            else std::cerr << cli::commands_usage();
            return 2;
        }
    } catch (const po::error& e) {
        std::cerr << "fleetcast: " << e.what() << "\n" << cli::commands_usage();
        return 2;
    }
}
