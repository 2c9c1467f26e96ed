#include "bench/bench_fleet.hpp"

#include <sys/resource.h>
#include <sys/wait.h>

#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>

#include "common/atomic_file.hpp"
#include "common/ids.hpp"
#include "common/messages.hpp"
#include "common/sha256.hpp"
#include "tests/support/observer.hpp"

namespace fleetcast::bench {

namespace fs = std::filesystem;
using testing::ChildProcess;

std::uint64_t raise_open_files_limit() {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
    ::getrlimit(RLIMIT_NOFILE, &rl);
    return rl.rlim_cur;
}

BenchFleet::BenchFleet(FleetOptions options) : options_(std::move(options)) {
    fs::create_directories(options_.dir);
    raise_open_files_limit();
    broker_ = std::make_unique<testing::Broker>(options_.dir / "broker", options_.broker_config);
    // Manifests are always signed: the manager signs, gateways and devices trust its public key.
    auto r = testing::run_command({FLEETCAST_CLI_BIN, "keygen", "--out", (dir() / "keys").string(), "--name", "manager"},
                                  std::chrono::seconds(30));
    if (r.exit_code != 0) throw std::runtime_error("fleetcast keygen failed: " + r.output);
}

BenchFleet::~BenchFleet() { stop_all(); }

void BenchFleet::stop_all() {
    for (auto& [name, p] : others_) p.stop(std::chrono::seconds(5));
    for (auto& [id, g] : gateways_) g.stop(std::chrono::seconds(5));
    manager_.stop(std::chrono::seconds(5));
}

ChildProcess& BenchFleet::start_manager() {
    manager_ = ChildProcess({FLEETCAST_MANAGER_BIN, "--broker", uri(), "--state-dir", (dir() / "manager").string(),
                             "--log-level", options_.log_level, "--signing-key", (dir() / "keys" / "manager.key").string()},
                            dir() / "manager.log");
    return manager_;
}

ChildProcess& BenchFleet::start_gateway(const std::string& id, const std::vector<std::string>& extra) {
    std::vector<std::string> argv{FLEETCAST_GATEWAY_BIN, "--id",        id, "--broker", uri(), "--state-dir",
                                  (dir() / ("gateway-" + id)).string(), "--log-level", options_.log_level,
                                  "--trust-key", (dir() / "keys" / "manager.pub").string()};
    argv.insert(argv.end(), options_.gateway_args.begin(), options_.gateway_args.end());
    argv.insert(argv.end(), extra.begin(), extra.end());
    gateways_.erase(id);
    return gateways_.emplace(id, ChildProcess(argv, dir() / ("gateway-" + id + ".log"))).first->second;
}

ChildProcess& BenchFleet::start_simulator(const std::string& gateway, const std::vector<std::string>& models, int count,
                                          const std::vector<std::string>& firmware) {
    int first = 1 + simulators_ * 100000;
    std::vector<std::string> argv{FLEETCAST_DEVICE_BIN, "--simulate",   std::to_string(count),
                                  "--first-serial",     std::to_string(first), "--gateway",
                                  gateway,              "--broker",     uri(),
                                  "--state-dir",        simulator_dir().string(), "--log-level",
                                  options_.log_level,   "--trust-key",  (dir() / "keys" / "manager.pub").string()};
    for (const auto& m : models) argv.insert(argv.end(), {"--model", m});
    for (const auto& f : firmware) argv.insert(argv.end(), {"--firmware", f});
    argv.insert(argv.end(), options_.device_args.begin(), options_.device_args.end());
    auto name = "simulator-" + std::to_string(++simulators_);
    others_.erase(name);
    return others_.emplace(name, ChildProcess(argv, dir() / (name + ".log"))).first->second;
}

ChildProcess& BenchFleet::start_device(const std::string& gateway, const std::string& id, const std::string& model,
                                       const std::vector<std::string>& firmware) {
    std::vector<std::string> argv{FLEETCAST_DEVICE_BIN, "--id",        id,    "--model", model, "--gateway", gateway,
                                  "--broker",           uri(),        "--state-dir", device_dir(id).string(),
                                  "--log-level",        options_.log_level, "--trust-key",
                                  (dir() / "keys" / "manager.pub").string()};
    for (const auto& f : firmware) argv.insert(argv.end(), {"--firmware", f});
    argv.insert(argv.end(), options_.device_args.begin(), options_.device_args.end());
    auto name = "device-" + id;
    others_.erase(name);
    return others_.emplace(name, ChildProcess(argv, dir() / (name + ".log"))).first->second;
}

ImageFile BenchFleet::make_image(const std::string& model, const std::string& component, const std::string& version,
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
        std::memcpy(data.data() + i, &v, std::min<std::size_t>(8, size - i));
    }
    std::ofstream(img.path, std::ios::binary).write(data.data(), static_cast<std::streamsize>(data.size()));
    img.sha256 = to_hex(sha256(data));
    return img;
}

Status BenchFleet::add_firmware(ImageFile& image, std::uint32_t chunk_size) {
    std::vector<std::string> args{"firmware", "add", image.path.string(), "--model", image.model, "--component",
                                  image.component, "--version", image.version};
    if (chunk_size) args.insert(args.end(), {"--chunk-size", std::to_string(chunk_size)});
    auto data = cli_json(args);
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

testing::CommandResult BenchFleet::cli(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    std::vector<std::string> argv{FLEETCAST_CLI_BIN, "--broker", uri()};
    argv.insert(argv.end(), args.begin(), args.end());
    // The whole output (run_command keeps only the last MiB; 100,000-row answers are larger).
    auto out_path = dir() / ("cli-" + std::to_string(++cli_runs_) + ".out");
    testing::CommandResult r;
    {
        testing::ChildProcess p(argv, out_path);
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

Expected<Json> BenchFleet::cli_json(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    auto with_json = args;
    with_json.push_back("--json");
    auto r = cli(with_json, timeout);
    std::string doc;
    if (r.output.rfind("{", 0) == 0) doc = r.output;
    else if (auto pos = r.output.find("\n{"); pos != std::string::npos) doc = r.output.substr(pos + 1);
    if (r.exit_code != 0 || doc.empty())
        return make_error("cli", "fleetcast " + (args.empty() ? "" : args[0]) + " failed (" +
                                     std::to_string(r.exit_code) + "): " + r.output.substr(0, 2000));
    return Json::parse(doc, 256 * 1024 * 1024);
}

bool BenchFleet::wait_registered(std::size_t n, std::chrono::milliseconds timeout) {
    return testing::eventually(
        [&] {
            auto j = cli_json({"devices"});
            if (!j) return false;
            auto devs = json::get_array(j->get(), "devices", 10000000);
            return devs && static_cast<std::size_t>(cJSON_GetArraySize(*devs)) >= n;
        },
        timeout);
}

Expected<std::string> BenchFleet::create_campaign(const std::vector<std::string>& args) {
    // Global options (--timeout) go before the command, the rest after it.
    std::vector<std::string> argv;
    std::size_t i = 0;
    for (; i + 1 < args.size() && args[i] == "--timeout"; i += 2) argv.insert(argv.end(), {args[i], args[i + 1]});
    argv.insert(argv.end(), {"campaign", "create"});
    argv.insert(argv.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
    auto data = cli_json(argv, std::chrono::seconds(180));
    if (!data) return data.error();
    auto id = json::get_id(data->get(), "campaign", "campaign");
    if (!id) return id.error();
    return *id;
}

}  // namespace fleetcast::bench
