#include "tests/support/fleet_launcher.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <random>

#include "common/atomic_file.hpp"
#include "common/messages.hpp"
#include "common/sha256.hpp"
#include "tests/support/observer.hpp"

namespace fleetcast::testing {

namespace fs = std::filesystem;

std::vector<std::string> with_defaults(std::vector<std::string> argv, const std::vector<std::string>& extra,
                                       const std::vector<std::string>& defaults) {
    argv.insert(argv.end(), extra.begin(), extra.end());
    for (std::size_t i = 0; i + 1 < defaults.size(); i += 2)
        if (std::find(extra.begin(), extra.end(), defaults[i]) == extra.end()) {
            argv.push_back(defaults[i]);
            argv.push_back(defaults[i + 1]);
        }
    return argv;
}

Expected<FleetLauncher> FleetLauncher::create(LauncherOptions options) {
    FleetLauncher l(std::move(options));
    auto key = l.make_key_pair("manager");
    if (!key) return key.error();
    return l;
}

Expected<fs::path> FleetLauncher::make_key_pair(const std::string& name) const {
    auto r = run_command({FLEETCAST_CLI_BIN, "keygen", "--out", (dir() / "keys").string(), "--name", name},
                         std::chrono::seconds(30));
    if (r.exit_code != 0) return make_error("keygen", "fleetcast keygen failed: " + r.output);
    return dir() / "keys" / (name + ".key");
}

std::vector<std::string> FleetLauncher::program_defaults() const {
    std::vector<std::string> d{"--trust-key", trust_key().string()};
    if (!options_.log_level.empty()) d.insert(d.end(), {"--log-level", options_.log_level});
    return d;
}

std::vector<std::string> FleetLauncher::manager_argv(const std::vector<std::string>& extra) const {
    std::vector<std::string> defaults{"--signing-key", signing_key().string()};
    if (!options_.log_level.empty()) defaults.insert(defaults.end(), {"--log-level", options_.log_level});
    return with_defaults({FLEETCAST_MANAGER_BIN, "--broker", uri(), "--state-dir", (dir() / "manager").string()}, extra,
                         defaults);
}

std::vector<std::string> FleetLauncher::gateway_argv(const std::string& id, const std::string& broker_uri,
                                                     const std::vector<std::string>& extra) const {
    return with_defaults({FLEETCAST_GATEWAY_BIN, "--id", id, "--broker", broker_uri.empty() ? uri() : broker_uri,
                          "--state-dir", (dir() / ("gateway-" + id)).string()},
                         extra, program_defaults());
}

std::vector<std::string> FleetLauncher::simulator_argv(const std::string& gateway,
                                                       const std::vector<std::string>& models, int count,
                                                       int first_serial, const std::vector<std::string>& firmware,
                                                       const std::string& broker_uri,
                                                       const std::vector<std::string>& extra) const {
    std::vector<std::string> argv{FLEETCAST_DEVICE_BIN,
                                  "--simulate",
                                  std::to_string(count),
                                  "--first-serial",
                                  std::to_string(first_serial),
                                  "--gateway",
                                  gateway,
                                  "--broker",
                                  broker_uri.empty() ? uri() : broker_uri,
                                  "--state-dir",
                                  (dir() / "devices").string()};
    for (const auto& m : models) argv.insert(argv.end(), {"--model", m});
    for (const auto& f : firmware) argv.insert(argv.end(), {"--firmware", f});
    return with_defaults(std::move(argv), extra, program_defaults());
}

std::vector<std::string> FleetLauncher::device_argv(const std::string& gateway, const std::string& id,
                                                    const std::string& model, const fs::path& state_dir,
                                                    const std::vector<std::string>& firmware,
                                                    const std::vector<std::string>& extra) const {
    std::vector<std::string> argv{FLEETCAST_DEVICE_BIN, "--id",  id,         "--model", model,
                                  "--gateway",          gateway, "--broker", uri(),     "--state-dir",
                                  state_dir.string()};
    for (const auto& f : firmware) argv.insert(argv.end(), {"--firmware", f});
    return with_defaults(std::move(argv), extra, program_defaults());
}

ImageFile FleetLauncher::make_image(const std::string& model, const std::string& component, const std::string& version,
                                    std::uint64_t size) {
    ImageFile img;
    img.model = model;
    img.component = component;
    img.version = version;
    img.size = size;
    fs::create_directories(dir() / "images");
    img.path = dir() / "images" / (model + "-" + component + "-" + version + ".bin");
    std::mt19937_64 rng(static_cast<unsigned>(image_seed_++));
    std::string data(size, '\0');
    for (std::size_t i = 0; i < size; i += 8) {
        auto v = rng();
        for (std::size_t b = 0; b < 8 && i + b < size; ++b) data[i + b] = static_cast<char>(v >> (8 * b));
    }
    std::ofstream(img.path, std::ios::binary).write(data.data(), static_cast<std::streamsize>(data.size()));
    img.sha256 = to_hex(sha256(data));
    return img;
}

Status FleetLauncher::add_firmware(ImageFile& image, const std::vector<std::string>& extra) {
    std::vector<std::string> args{"firmware",    "add",           image.path.string(), "--model",    image.model,
                                  "--component", image.component, "--version",         image.version};
    args.insert(args.end(), extra.begin(), extra.end());
    auto data = cli_json(args, std::chrono::seconds(60));
    if (!data) return data.error();
    auto fw = json::get_string(data->get(), "fw_id");
    if (!fw) return fw.error();
    auto cs = json::get_uint(data->get(), "chunk_size", 1u << 30);
    if (!cs) return cs.error();
    image.fw_id = *fw;
    image.chunk_size = static_cast<std::uint32_t>(*cs);
    image.chunk_count = chunk_count_for(image.size, image.chunk_size);
    return ok_status();
}

CommandResult FleetLauncher::cli(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    std::vector<std::string> argv{FLEETCAST_CLI_BIN, "--broker", uri()};
    argv.insert(argv.end(), options_.cli_global_args.begin(), options_.cli_global_args.end());
    argv.insert(argv.end(), args.begin(), args.end());
    // A file of its own (tests may run commands from several threads).
    std::string tmpl = (dir() / "cli-XXXXXX").string();
    int fd = ::mkstemp(tmpl.data());
    if (fd >= 0) ::close(fd);
    const fs::path out_path = tmpl;
    CommandResult r;
    {
        ChildProcess p(argv, out_path);
        int st = p.wait_exit(timeout);
        if (st == -1) p.stop(std::chrono::milliseconds(100));
        r.exit_code = st == -1 ? -1 : (WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    }
    auto text = read_file(out_path, 1ULL << 32);
    r.output = text ? *text : std::string();
    std::error_code ec;
    fs::remove(out_path, ec);
    return r;
}

Expected<Json> FleetLauncher::cli_json(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    auto with_json = args;
    with_json.push_back("--json");
    auto r = cli(with_json, timeout);
    // The JSON document starts at the first line that starts with '{' and runs to the end.
    std::string doc;
    if (r.output.rfind("{", 0) == 0) doc = r.output;
    else if (auto pos = r.output.find("\n{"); pos != std::string::npos) doc = r.output.substr(pos + 1);
    if (r.exit_code != 0 || doc.empty())
        return make_error("cli", "fleetcast " + (args.empty() ? "" : args[0]) + " failed (" +
                                     std::to_string(r.exit_code) + "): " + r.output.substr(0, 4000));
    auto j = Json::parse(doc, 256 * 1024 * 1024);
    if (!j) return j.error().with_context("not JSON: " + doc.substr(0, 2000));
    return j;
}

bool FleetLauncher::wait_registered(std::size_t n, std::chrono::milliseconds timeout) {
    return eventually(
        [&] {
            auto j = cli_json({"devices"}, std::chrono::seconds(60));
            if (!j) return false;
            auto devs = json::get_array(j->get(), "devices", 10000000);
            return devs && static_cast<std::size_t>(cJSON_GetArraySize(*devs)) >= n;
        },
        timeout);
}

Expected<std::string> FleetLauncher::create_campaign(const std::vector<std::string>& args,
                                                     std::chrono::milliseconds timeout) {
    std::vector<std::string> argv;
    std::size_t i = 0;
    for (; i + 1 < args.size() && args[i] == "--timeout"; i += 2) argv.insert(argv.end(), {args[i], args[i + 1]});
    argv.insert(argv.end(), {"campaign", "create"});
    argv.insert(argv.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
    auto data = cli_json(argv, timeout);
    if (!data) return data.error();
    auto id = json::get_id(data->get(), "campaign", "campaign");
    if (!id) return id.error();
    return *id;
}

}  // namespace fleetcast::testing
