#include "tests/integration/fleet.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <stdexcept>

#include "common/sha256.hpp"
#include "tests/support/observer.hpp"

namespace fleetcast::testing {

namespace fs = std::filesystem;

Fleet::Fleet(const std::string& broker_config) {
    char tmpl[] = "/tmp/fleetcast-it-XXXXXX";
    dir_ = mkdtemp(tmpl);
    broker_ = std::make_unique<Broker>(dir_ / "broker", broker_config);
    make_key_pair("manager");
}

fs::path Fleet::make_key_pair(const std::string& name) {
    auto r = run_command({FLEETCAST_CLI_BIN, "keygen", "--out", (dir_ / "keys").string(), "--name", name},
                         std::chrono::seconds(10));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return dir_ / "keys" / (name + ".key");
}

Fleet::Fleet(const std::string& broker_config, const std::string& extra_config) {
    char tmpl[] = "/tmp/fleetcast-it-XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::ifstream in(fs::path(FLEETCAST_BROKER_CONFIG_DIR) / broker_config);
    std::string base((std::istreambuf_iterator<char>(in)), {});
    broker_ = Broker::with_config_text(dir_ / "broker", base + "\n" + extra_config + "\n");
    make_key_pair("manager");
}

namespace {
std::vector<std::string> prefixed(const std::vector<std::string>& prefix, std::vector<std::string> argv) {
    argv.insert(argv.begin(), prefix.begin(), prefix.end());
    return argv;
}
}  // namespace

Broker& Fleet::start_site_broker(const std::string& gateway) {
    auto r = run_command({std::string(FLEETCAST_SOURCE_DIR) + "/scripts/site-broker", "--gateway", gateway, "--central",
                          "127.0.0.1:" + std::to_string(broker_->port())},
                         std::chrono::seconds(10));
    if (r.exit_code != 0) throw std::runtime_error("scripts/site-broker failed: " + r.output);
    auto& b = site_brokers_[gateway];
    b = Broker::with_config_text(dir_ / ("site-broker-" + gateway), r.output);
    return *b;
}

Fleet::~Fleet() {
    dump_logs_on_failure();
    for (auto& d : devices_) d.stop(std::chrono::seconds(3));
    for (auto& [id, g] : gateways_) g.stop(std::chrono::seconds(3));
    manager_.stop(std::chrono::seconds(3));
    site_brokers_.clear();
    broker_.reset();
    if (!::testing::Test::HasFailure()) fs::remove_all(dir_);
}

void Fleet::dump_logs_on_failure() const {
    if (!::testing::Test::HasFailure()) return;
    std::fprintf(stderr, "---- test state kept in %s\n", dir_.c_str());
    for (auto& entry : fs::directory_iterator(dir_)) {
        if (entry.path().extension() != ".log") continue;
        std::ifstream in(entry.path());
        std::string all((std::istreambuf_iterator<char>(in)), {});
        if (all.size() > 6000) all = "..." + all.substr(all.size() - 6000);
        std::fprintf(stderr, "---- %s (tail)\n%s\n", entry.path().filename().c_str(), all.c_str());
    }
}

namespace {
// The test's extra arguments, then each default option the extras do not set
// (a single-valued option given twice is a usage error).
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
}  // namespace

void Fleet::start_manager(const std::vector<std::string>& extra) {
    // A restarted manager appends to the same log.
    manager_ = ChildProcess(with_defaults({FLEETCAST_MANAGER_BIN, "--broker", uri(), "--state-dir", (dir_ / "manager").string()},
                                          extra, {"--signing-key", signing_key().string()}),
                            dir_ / "manager.log");
}

void Fleet::start_gateway(const std::string& id, const std::string& broker_uri, const std::vector<std::string>& extra,
                          const std::vector<std::string>& prefix) {
    gateways_.erase(id);
    gateways_.emplace(id, ChildProcess(prefixed(prefix, with_defaults({FLEETCAST_GATEWAY_BIN, "--id", id, "--broker",
                                                      broker_uri.empty() ? uri() : broker_uri, "--state-dir",
                                                      (dir_ / ("gateway-" + id)).string()},
                                                     extra, {"--trust-key", trust_key().string()})),
                                       dir_ / ("gateway-" + id + ".log")));
}

CommandResult Fleet::panel(const std::string& device_id, const std::vector<std::string>& args) {
    std::vector<std::string> argv{FLEETCAST_DEVICE_BIN, "panel", "--state-dir", device_dir(device_id).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, std::chrono::seconds(20));
}

std::size_t Fleet::start_devices(const std::string& gateway, const std::string& model, int count, int first_serial,
                                 const std::vector<std::string>& firmware, const std::string& broker_uri,
                                 const std::vector<std::string>& extra, const std::vector<std::string>& prefix) {
    std::vector<std::string> argv{FLEETCAST_DEVICE_BIN, "--simulate",     std::to_string(count),
                                  "--model",            model,            "--first-serial",
                                  std::to_string(first_serial),           "--gateway",
                                  gateway,              "--broker",       broker_uri.empty() ? uri() : broker_uri,
                                  "--state-dir",        (dir_ / "devices").string()};
    for (const auto& f : firmware) {
        argv.push_back("--firmware");
        argv.push_back(f);
    }
    argv = with_defaults(argv, extra, {"--trust-key", trust_key().string()});
    auto log = dir_ / ("devices-" + model + "-" + std::to_string(first_serial) + ".log");
    devices_.emplace_back(prefixed(prefix, argv), log);
    return devices_.size() - 1;
}

fs::path Fleet::device_dir(const std::string& device_id) const { return dir_ / "devices" / device_id; }

ImageFile Fleet::make_image(const std::string& model, const std::string& component, const std::string& version,
                            std::uint64_t size) {
    ImageFile img;
    img.model = model;
    img.component = component;
    img.version = version;
    img.size = size;
    fs::create_directories(dir_ / "images");
    img.path = dir_ / "images" / (model + "-" + component + "-" + version + ".bin");
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

void Fleet::add_firmware(ImageFile& image, const std::vector<std::string>& extra) {
    std::vector<std::string> args{"firmware", "add", image.path.string(), "--model", image.model, "--component",
                                  image.component, "--version", image.version};
    args.insert(args.end(), extra.begin(), extra.end());
    auto data = cli_json(args);
    ASSERT_FALSE(data.empty()) << "firmware add failed";
    auto fw = json::get_string(data.get(), "fw_id");
    ASSERT_TRUE(fw) << fw.error().str();
    image.fw_id = *fw;
    EXPECT_EQ(image.fw_id, image.sha256.substr(0, 16));
}

CommandResult Fleet::cli(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
    // A generous answer timeout (a loaded CI machine must not turn into a flaky
    // test), below the 30 s this helper waits for the command by default.
    std::vector<std::string> argv{FLEETCAST_CLI_BIN, "--broker", uri(), "--timeout", "20s"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, timeout);
}

Json Fleet::cli_json(const std::vector<std::string>& args) {
    auto with_json = args;
    with_json.push_back("--json");
    auto r = cli(with_json);
    // The JSON document starts at the first line that starts with '{' and runs to the end.
    std::string doc;
    if (r.output.rfind("{", 0) == 0) doc = r.output;
    else if (auto pos = r.output.find("\n{"); pos != std::string::npos) doc = r.output.substr(pos + 1);
    if (r.exit_code != 0 || doc.empty()) {
        ADD_FAILURE() << "fleetcast command failed (" << r.exit_code << "): " << r.output;
        return Json();
    }
    auto j = Json::parse(doc, 64 * 1024 * 1024);
    if (!j) {
        ADD_FAILURE() << "not JSON: " << doc;
        return Json();
    }
    return std::move(*j);
}

bool Fleet::wait_registered(std::size_t n, std::chrono::milliseconds timeout) {
    return eventually(
        [&] {
            auto r = cli({"devices", "--json"});
            std::size_t count = 0;
            for (std::size_t pos = r.output.find("\"device\""); pos != std::string::npos;
                 pos = r.output.find("\"device\"", pos + 1))
                ++count;
            return r.exit_code == 0 && count >= n;
        },
        timeout);
}

}  // namespace fleetcast::testing
