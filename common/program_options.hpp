#pragma once
// The command-line handling every fleetcast program shares: --help, usage
// errors (exit code 2 with the options listed), and the options more than
// one program takes (--log-level; --time-scale/--time-origin for demos).
// Header-only, with --config in the fleetcast_options library
// (common/config_file.hpp): fleetcast_common does not depend on Boost.Program_options.
#include <boost/program_options.hpp>
#include <iostream>
#include <optional>
#include <string>

#include "common/config_file.hpp"

namespace fleetcast {

// Parses argv into vm, then the --config file it names (when desc has
// add_config_option's --config; common/config_file.hpp). An exit code when the
// program is done (0 after --help; 2 after a usage error, printed with the
// options, or a bad config file, printed alone); nullopt to go on. sources:
// where each option came from, for the program's own checks of the values.
inline std::optional<int> parse_program_options(const char* program, int argc, char** argv,
                                                const boost::program_options::options_description& desc,
                                                boost::program_options::variables_map& vm,
                                                OptionSources* sources = nullptr) {
    auto parsed = parse_with_config(argc, argv, desc, vm);
    if (!parsed) {
        std::cerr << program << ": " << parsed.error().message << '\n';
        if (parsed.error().code == "bad_option") std::cerr << desc << '\n';
        return 2;
    }
    if (vm.count("help")) {
        std::cout << desc << '\n';
        return 0;
    }
    if (sources) *sources = std::move(*parsed);
    return std::nullopt;
}

inline void add_log_level_option(boost::program_options::options_description& desc, std::string& level,
                                 const char* what = "debug, info, warn or error") {
    namespace po = boost::program_options;
    desc.add_options()("log-level", po::value(&level)->default_value("info"), what);
}

// Read with make_clock (common/program_start.hpp).
inline void add_time_options(boost::program_options::options_description& desc, double& scale, std::string& origin) {
    namespace po = boost::program_options;
    desc.add_options()                                                                                     //
        ("time-scale", po::value(&scale)->default_value(1.0), "schedule seconds per real second (demos)")  //
        ("time-origin", po::value(&origin),
         "ISO-8601 instant where scaled and real time agree (give every program the same)");
}

}  // namespace fleetcast
