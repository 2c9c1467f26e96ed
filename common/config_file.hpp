#pragma once
// `--config FILE` for every fleetcast program, in Boost.Program_options'
// config file format: `key = value` lines (the long option name without
// `--`), `#` comments, a key repeated for an option that takes several values
// (`trust-key`, `handler`, ...). The command line wins: an option given there
// replaces the file's value(s) of it entirely, also a repeatable one (so
// `--trust-key K` on the command line is then the only trusted key).
// `--help` and `--config` itself only work on the command line.
//
// Every error is a value naming the file and the key (missing or unreadable
// file, unknown key, a value the option's type refuses, a bad line); the
// programs print it and exit with code 2.
#include <boost/program_options.hpp>
#include <filesystem>
#include <set>
#include <string>

#include "common/error.hpp"

namespace fleetcast {

// Adds `--config FILE` to the options a program shows in its usage.
void add_config_option(boost::program_options::options_description& desc);

// Which options took their value from the config file: a check made after
// parsing ("--ready-timeout must be a duration") can then say where the bad
// value was written.
class OptionSources {
   public:
    OptionSources() = default;
    OptionSources(std::filesystem::path file, std::set<std::string> from_file)
        : file_(std::move(file)), from_file_(std::move(from_file)) {}
    const std::filesystem::path& file() const { return file_; }  // empty: no --config
    bool from_file(const std::string& option) const { return from_file_.count(option) > 0; }
    // `message`, followed by "(KEY set in FILE)" for each option it names as
    // --KEY whose value came from the file.
    std::string explain(const std::string& message) const;

   private:
    std::filesystem::path file_;
    std::set<std::string> from_file_;
};

// Stores the parsed command line, then (unless it asks for --help) the
// --config file it names, in vm, and runs notify (required options). Error
// codes: "bad_option" (the command line), "bad_config" (the file).
// file_desc: the options a file may set (default: desc's).
Expected<OptionSources> store_with_config(const boost::program_options::parsed_options& command_line,
                                          boost::program_options::variables_map& vm,
                                          const boost::program_options::options_description* file_desc = nullptr);

// The same for a plain command line (argv as given to main) described by desc.
Expected<OptionSources> parse_with_config(int argc, char** argv,
                                          const boost::program_options::options_description& desc,
                                          boost::program_options::variables_map& vm);

}  // namespace fleetcast
