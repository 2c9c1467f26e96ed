#pragma once
// The command-line handling every fleetcast program shares: --help, usage
// errors (exit code 2 with the options listed), and the options more than
// one program takes (--log-level; --time-scale/--time-origin for demos).
// Header-only so the common library does not depend on Boost.Program_options.
#include <boost/program_options.hpp>
#include <iostream>
#include <optional>
#include <string>

namespace fleetcast {

// Parses argv into vm. An exit code when the program is done (0 after --help,
// 2 after a usage error, both printed); nullopt to go on.
inline std::optional<int> parse_program_options(const char* program, int argc, char** argv,
                                                const boost::program_options::options_description& desc,
                                                boost::program_options::variables_map& vm) {
    namespace po = boost::program_options;
    try {
        po::store(po::parse_command_line(argc, argv, desc), vm);
        if (vm.count("help")) {
            std::cout << desc << '\n';
            return 0;
        }
        po::notify(vm);
    } catch (const std::exception& e) {
        std::cerr << program << ": " << e.what() << '\n' << desc << '\n';
        return 2;
    }
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
