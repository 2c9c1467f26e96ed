#include "device/device_options.hpp"

#include <boost/program_options.hpp>
#include <cstdio>
#include <sstream>

#include "common/ids.hpp"

namespace fleetcast::device {

namespace po = boost::program_options;

namespace {

Expected<Versions> parse_firmware(const std::vector<std::string>& items) {
    Versions v;
    for (const auto& item : items) {
        auto eq = item.find('=');
        if (eq == std::string::npos)
            return make_error("bad_option", "--firmware '" + item + "' is not component=version");
        std::string component = item.substr(0, eq), version = item.substr(eq + 1);
        auto st = validate_id(component, "component");
        if (!st) return st.error().with_context("--firmware");
        st = validate_version(version);
        if (!st) return st.error().with_context("--firmware");
        v[component] = version;
    }
    if (v.empty()) v["main"] = "1.0";
    return v;
}

Expected<LogLevel> parse_log_level(const std::string& s) {
    if (s == "debug") return LogLevel::Debug;
    if (s == "info") return LogLevel::Info;
    if (s == "warn") return LogLevel::Warn;
    if (s == "error") return LogLevel::Error;
    return make_error("bad_option", "--log-level must be debug, info, warn or error");
}

std::string serial_id(const std::string& model, unsigned serial) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%06u", serial);
    return model + "-" + buf;
}

}  // namespace

Expected<CommandLine> parse_command_line(int argc, char** argv) {
    std::string id, gateway, broker, state_dir, log_level, timeout;
    std::vector<std::string> models, firmware;
    unsigned simulate = 0, first_serial = 1;
    CommandLine cl;
    po::options_description desc("fleetcast-device options");
    desc.add_options()("help,h", "show this help")("id", po::value(&id), "device id (real agent)")(
        "model", po::value(&models)->composing(),
        "model type; repeat with --simulate for several models (round-robin)")("gateway", po::value(&gateway),
                                                                               "gateway id of this site")(
        "broker", po::value(&broker)->default_value("tcp://127.0.0.1:1883"), "MQTT broker URI")(
        "state-dir", po::value(&state_dir),
        "non-volatile state directory (one sub-directory per device with --simulate)")(
        "firmware", po::value(&firmware)->composing(),
        "initial component=version for a new state dir (repeatable; default main=1.0)")(
        "simulate", po::value(&simulate)->default_value(0), "run N virtual devices in this process")(
        "first-serial", po::value(&first_serial)->default_value(1), "serial number of the first virtual device")(
        "no-progress-timeout", po::value(&timeout)->default_value("3s"),
        "re-ask missing chunks after this long without progress")(
        "log-level", po::value(&log_level)->default_value("info"), "debug, info, warn or error")(
        "username", po::value(&cl.host.mqtt.username), "MQTT user name")(
        "password", po::value(&cl.host.mqtt.password), "MQTT password")("ca-file", po::value(&cl.host.mqtt.ca_file),
                                                                        "CA certificate (TLS, ssl:// broker)")(
        "cert-file", po::value(&cl.host.mqtt.cert_file), "client certificate (TLS)")(
        "key-file", po::value(&cl.host.mqtt.key_file), "client private key (TLS)");
    std::ostringstream usage;
    usage << desc;
    cl.usage = usage.str();
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, desc), vm);
        po::notify(vm);
    } catch (const std::exception& e) {
        return make_error("bad_option", e.what());
    }
    if (vm.count("help")) {
        cl.help = true;
        return cl;
    }
    auto level = parse_log_level(log_level);
    if (!level) return level.error();
    cl.log_level = *level;
    if (gateway.empty() || state_dir.empty() || models.empty())
        return make_error("bad_option", "--gateway, --model and --state-dir are required");
    auto st = validate_id(gateway, "gateway");
    if (!st) return st.error().with_context("--gateway");
    for (const auto& m : models) {
        st = validate_id(m, "model");
        if (!st) return st.error().with_context("--model");
    }
    auto versions = parse_firmware(firmware);
    if (!versions) return versions.error();
    auto no_progress = parse_duration(timeout);
    if (!no_progress || no_progress->count() <= 0)
        return make_error("bad_option", "--no-progress-timeout must be a positive duration like 3s");

    DeviceConfig base;
    base.gateway = gateway;
    base.initial_firmware = *versions;
    base.no_progress_timeout = *no_progress;
    if (simulate == 0) {
        if (models.size() != 1) return make_error("bad_option", "a real agent has exactly one --model");
        st = validate_id(id, "device");
        if (!st) return st.error().with_context("--id");
        base.id = id;
        base.model = models.front();
        base.state_dir = state_dir;
        cl.host.devices.push_back(base);
        cl.host.reexec_on_restart = true;
    } else {
        if (simulate > 100000) return make_error("bad_option", "--simulate is limited to 100000 devices");
        if (first_serial + static_cast<unsigned long long>(simulate) > 1000000)
            return make_error("bad_option", "serials must fit in 6 digits");
        for (unsigned i = 0; i < simulate; ++i) {
            DeviceConfig d = base;
            d.model = models[i % models.size()];
            d.id = serial_id(d.model, first_serial + i);
            st = validate_id(d.id, "device");
            if (!st) return st.error().with_context("--model");
            d.state_dir = std::filesystem::path(state_dir) / d.id;
            cl.host.devices.push_back(std::move(d));
        }
    }
    cl.host.mqtt.uri = broker;
    for (int i = 0; i < argc; ++i) cl.host.argv.emplace_back(argv[i]);
    return cl;
}

}  // namespace fleetcast::device
