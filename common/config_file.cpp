#include "common/config_file.hpp"

#include <cctype>
#include <sstream>

#include "common/atomic_file.hpp"

namespace fleetcast {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxConfigBytes = 1024 * 1024;

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }

// The 1-based line of the file that sets `key`, 0 when it is not found (a
// key inside a [section] is written without its section prefix).
std::size_t line_of(const std::string& text, const std::string& key) {
    std::istringstream in(text);
    std::string line;
    for (std::size_t n = 1; std::getline(in, line); ++n) {
        auto start = line.find_first_not_of(" \t");
        if (start == std::string::npos || line.compare(start, key.size(), key) != 0) continue;
        auto end = start + key.size();
        if (end == line.size() || !is_name_char(line[end])) return n;
    }
    return 0;
}

Error config_error(const fs::path& file, const std::string& text, const std::string& key, const std::string& what) {
    std::string where = "config file " + file.string();
    if (auto line = line_of(text, key)) where += " line " + std::to_string(line);
    return make_error("bad_config", where + ": key '" + key + "': " + what);
}

Expected<po::parsed_options> parse_file(const fs::path& file, const std::string& text,
                                        const po::options_description& desc) {
    std::istringstream in(text);
    try {
        // Unknown keys are let through here and refused by the caller, which can name them.
        return po::parse_config_file(in, desc, true);
    } catch (const std::exception& e) {
        return make_error("bad_config", "config file " + file.string() + ": " + e.what());
    }
}

}  // namespace

void add_config_option(po::options_description& desc) {
    desc.add_options()("config", po::value<std::string>(),
                       "read options from FILE (key = value lines, key = the long option name; a key repeated for "
                       "a repeatable option); options on the command line replace the file's");
}

std::string OptionSources::explain(const std::string& message) const {
    std::string named;
    for (const auto& key : from_file_) {
        std::string flag = "--" + key;
        for (auto pos = message.find(flag); pos != std::string::npos; pos = message.find(flag, pos + 1)) {
            auto end = pos + flag.size();
            if (end == message.size() || !is_name_char(message[end])) {
                named += (named.empty() ? "" : ", ") + key;
                break;
            }
        }
    }
    if (named.empty()) return message;
    return message + " (" + named + " set in " + file_.string() + ")";
}

Expected<OptionSources> store_with_config(const po::parsed_options& command_line, po::variables_map& vm,
                                          const po::options_description* file_desc) {
    try {
        po::store(command_line, vm);
    } catch (const std::exception& e) {
        return make_error("bad_option", e.what());
    }
    if (vm.count("help")) return OptionSources{};
    OptionSources sources;
    if (vm.count("config")) {
        fs::path file = vm["config"].as<std::string>();
        std::error_code ec;
        if (!fs::exists(file, ec)) return make_error("bad_config", "config file " + file.string() + " does not exist");
        if (!fs::is_regular_file(file, ec))
            return make_error("bad_config", "config file " + file.string() + " is not a regular file");
        auto text = read_file(file, kMaxConfigBytes);
        if (!text)
            return make_error("bad_config", "cannot read config file " + file.string() + ": " + text.error().message);
        const po::options_description& desc = file_desc ? *file_desc : *command_line.description;
        auto parsed = parse_file(file, *text, desc);
        if (!parsed) return parsed.error();

        std::set<std::string> on_command_line, from_file;
        for (const auto& o : command_line.options) on_command_line.insert(o.string_key);
        po::parsed_options kept(&desc);
        for (const auto& o : parsed->options) {
            if (o.unregistered) return config_error(file, *text, o.string_key, "unknown key");
            if (o.string_key == "config" || o.string_key == "help")
                return config_error(file, *text, o.string_key, "only works on the command line");
            if (on_command_line.count(o.string_key)) continue;  // the command line replaces it
            from_file.insert(o.string_key);
            kept.options.push_back(o);
        }
        // One key at a time (all its lines together), so that a value the
        // option refuses, or a single-valued key given twice, names its key.
        for (const auto& key : from_file) {
            po::parsed_options one(&desc);
            for (const auto& o : kept.options)
                if (o.string_key == key) one.options.push_back(o);
            try {
                po::store(one, vm);
            } catch (const std::exception& e) {
                return config_error(file, *text, key, e.what());
            }
        }
        sources = OptionSources(file, std::move(from_file));
    }
    try {
        po::notify(vm);
    } catch (const std::exception& e) {
        return make_error("bad_option", sources.explain(e.what()));
    }
    return sources;
}

Expected<OptionSources> parse_with_config(int argc, char** argv, const po::options_description& desc,
                                          po::variables_map& vm) {
    po::parsed_options parsed(&desc);
    try {
        parsed = po::parse_command_line(argc, argv, desc);
    } catch (const std::exception& e) {
        return make_error("bad_option", e.what());
    }
    return store_with_config(parsed, vm);
}

}  // namespace fleetcast
