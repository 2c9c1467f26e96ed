#include "device/device_options.hpp"

#include <unistd.h>
#include <algorithm>
#include <boost/program_options.hpp>
#include <cstdio>
#include <sstream>

#include <map>

#include "common/config_file.hpp"
#include "common/connection_options.hpp"
#include "common/ids.hpp"
#include "common/manifest_signing.hpp"
#include "common/program_start.hpp"

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

std::string serial_id(const std::string& model, unsigned serial) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%06u", serial);
    return model + "-" + buf;
}

// Device i of a simulated fleet has a fault given to `share` of the devices
// when its index crosses the next multiple of 1/share: spread evenly, the
// last device first (floor((i+1)*share) > floor(i*share)).
bool has_fault(double share, unsigned i) {
    if (share <= 0) return false;
    return static_cast<unsigned long long>((i + 1) * share) > static_cast<unsigned long long>(i * share);
}

struct ProfileShare {
    std::string kind;  // busy, sc-a, sc-b, sc-c, sc-d, defer, cancel
    unsigned count = 0;
};

// "busy=2,sc-c=10%,defer=1,cancel=1": how many virtual devices (or which
// share) behave how; assigned in this order from the first device on.
Expected<std::vector<ProfileShare>> parse_profile(const std::string& text, unsigned devices) {
    std::vector<ProfileShare> out;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find(',', start);
        if (end == std::string::npos) end = text.size();
        std::string item = text.substr(start, end - start);
        start = end + 1;
        auto eq = item.find('=');
        if (eq == std::string::npos)
            return make_error("bad_option", "--profile item '" + item + "' is not KIND=N or KIND=N%");
        std::string kind = item.substr(0, eq), n = item.substr(eq + 1);
        static const std::vector<std::string> kinds{"busy", "sc-a", "sc-b", "sc-c", "sc-d", "defer", "cancel"};
        if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end())
            return make_error("bad_option",
                              "--profile kind '" + kind + "' is not busy, sc-a, sc-b, sc-c, sc-d, defer or cancel");
        bool percent = !n.empty() && n.back() == '%';
        if (percent) n.pop_back();
        if (n.empty() || n.size() > 6 || n.find_first_not_of("0123456789") != std::string::npos)
            return make_error("bad_option", "--profile count '" + item + "' is not a number");
        unsigned v = static_cast<unsigned>(std::stoul(n));
        if (percent && v > 100) return make_error("bad_option", "--profile share above 100%");
        out.push_back({kind, percent ? (devices * v + 99) / 100 : v});
    }
    return out;
}

void apply_profile(DeviceConfig& d, const std::string& kind, Millis busy_for) {
    if (kind == "busy") d.simulator.busy_for = busy_for;
    else if (kind == "defer") d.simulator.auto_defer = true;
    else if (kind == "cancel") d.simulator.auto_cancel = true;
    else d.simulator.service_call = std::string(1, static_cast<char>(kind.back() - 'a' + 'A'));
}

// COMPONENT=VALUE items of a repeatable option.
Expected<std::map<std::string, std::string>> component_items(const std::vector<std::string>& items,
                                                             const std::string& option) {
    std::map<std::string, std::string> out;
    for (const auto& item : items) {
        auto eq = item.find('=');
        if (eq == std::string::npos || eq + 1 == item.size())
            return make_error("bad_option", option + " '" + item + "' is not COMPONENT=VALUE");
        out[item.substr(0, eq)] = item.substr(eq + 1);
    }
    return out;
}

Expected<RealDeviceOptions> parse_real_device(const std::vector<std::string>& handlers,
                                              const std::vector<std::string>& configs,
                                              const std::vector<std::string>& timeouts, const std::string& health_check,
                                              const std::string& health_timeout) {
    RealDeviceOptions real;
    auto programs = component_items(handlers, "--handler");
    if (!programs) return programs.error();
    auto files = component_items(configs, "--handler-config");
    if (!files) return files.error();
    auto steps = component_items(timeouts, "--handler-timeout");
    if (!steps) return steps.error();
    std::map<HandlerStep, std::chrono::milliseconds> step_timeouts;
    for (const auto& [name, value] : *steps) {
        auto step = handler_step_from_string(name);
        if (!step) return step.error().with_context("--handler-timeout");
        auto d = parse_duration(value);
        if (!d || d->count() <= 0) return make_error("bad_option", "--handler-timeout " + name + " is not a duration");
        step_timeouts[*step] = *d;
    }
    for (const auto& [component, program] : *programs) {
        auto st = validate_id(component, "component");
        if (!st) return st.error().with_context("--handler");
        std::error_code ec;
        if (!std::filesystem::is_regular_file(program, ec) || ::access(program.c_str(), X_OK) != 0)
            return make_error("bad_option", "--handler " + component + ": " + program + " is not an executable file");
        HandlerConfig h;
        h.program = std::filesystem::absolute(program, ec);
        if (auto f = files->find(component); f != files->end())
            h.config_file = std::filesystem::absolute(f->second, ec);
        h.timeouts = step_timeouts;
        real.handlers[component] = std::move(h);
    }
    for (const auto& [component, file] : *files)
        if (!programs->count(component))
            return make_error("bad_option", "--handler-config " + component + " without a --handler for it");
    real.health_check = split_command(health_check);
    auto t = parse_duration(health_timeout);
    if (!t || t->count() <= 0) return make_error("bad_option", "--health-check-timeout must be a duration like 60s");
    real.health_check_timeout = *t;
    return real;
}

Expected<CommandLine> parse_options(int argc, char** argv, OptionSources& sources) {
    std::string id, gateway, broker, state_dir, log_level, timeout, flash_delay, deferment, install_time, profile,
        busy_for = "10s";
    std::vector<std::string> models, firmware, fail_first_boot, trust_keys, handlers, handler_configs, handler_timeouts;
    std::string health_check, health_check_timeout = "60s", reboot_command, reboot_wait = "5m";
    unsigned simulate = 0, first_serial = 1;
    double fault_write = 0, fault_power_on = 0, fault_boot = 0;
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
        "no-progress-timeout", po::value(&timeout)->default_value("10s"),
        "re-ask missing chunks after this long without progress (fanout_done asks at once; this is the safety net: "
        "shorter makes a loaded site ask for repairs the fan-out is still delivering)")(
        "deferment", po::value(&deferment),
        "set the deferment parameter locally: answer a communication request only after this (20m, 0s)")(
        "install-time", po::value(&install_time),
        "how long writing a verified image takes (cancellable meanwhile); default 0s")(
        "profile", po::value(&profile),
        "with --simulate: KIND=N or KIND=N% for busy, sc-a..sc-d, defer, cancel (first devices first)")(
        "busy-for", po::value(&busy_for)->default_value("10s"),
        "profile busy: how long such a device stays busy after start")(
        "log-level", po::value(&log_level)->default_value("info"), "debug, info, warn or error")(
        "trust-key", po::value(&trust_keys)->composing(),
        "the manager's Ed25519 public key (PEM): only manifests it signed are installed; repeat it to trust two keys "
        "while rotating")(
        "fail-first-boot", po::value(&fail_first_boot)->composing(),
        "simulated health check: the first boot of component=version fails and is rolled back (repeatable)")(
        "flash-write-delay", po::value(&flash_delay)->default_value("0ms"),
        "slow flash: the device is busy this long after writing each chunk (its further chunks wait; other devices go "
        "on); simulated, or for a real agent a throttle that keeps its I/O low")(
        "fault-first-write-fails", po::value(&fault_write)->default_value(0),
        "share of devices (0-1) whose first chunk write past half an image fails once")(
        "fault-no-power-on", po::value(&fault_power_on)->default_value(0),
        "share of devices (0-1) that never send the power-on report after an install")(
        "fault-boot-fails", po::value(&fault_boot)->default_value(0),
        "share of devices (0-1) whose new image always fails to boot (the old version is reported)")(
        "handler", po::value(&handlers)->composing(),
        "COMPONENT=PATH: the update handler that installs COMPONENT (docs/update-handlers.md; repeatable)")(
        "handler-config", po::value(&handler_configs)->composing(),
        "COMPONENT=FILE: the handler's own configuration file, passed as FLEETCAST_HANDLER_CONFIG")(
        "handler-timeout", po::value(&handler_timeouts)->composing(),
        "STEP=DURATION: how long a handler step may run before its process group is killed (install 30m, verify 5m, "
        "others 2m)")("health-check", po::value(&health_check),
                      "CMD [ARGS]: run on the first boot of new firmware (no shell); exit 0 = healthy, otherwise "
                      "it is rolled back")("health-check-timeout",
                                           po::value(&health_check_timeout)->default_value("60s"),
                                           "a health check still running after this fails")(
        "reboot-command", po::value(&reboot_command),
        "CMD [ARGS]: reboots the device when a handler's new image needs it (e.g. 'systemctl reboot'; no shell)")(
        "reboot-wait", po::value(&reboot_wait)->default_value("5m"),
        "after the reboot command, wait this long for the machine to go down before the agent restarts itself");
    add_connection_options(desc, cl.host.mqtt);
    add_config_option(desc);
    std::ostringstream usage;
    usage << desc;
    cl.usage = usage.str();
    po::variables_map vm;
    auto parsed = parse_with_config(argc, argv, desc, vm);
    if (!parsed) return parsed.error();
    sources = std::move(*parsed);
    if (vm.count("help")) {
        cl.help = true;
        return cl;
    }
    auto level = parse_log_level(log_level);
    if (!level) return level.error();
    cl.log_level = *level;
    if (gateway.empty() || state_dir.empty() || models.empty() || trust_keys.empty())
        return make_error("bad_option", "--gateway, --model, --state-dir and --trust-key are required");
    auto keys = TrustKeySet::load({trust_keys.begin(), trust_keys.end()});
    if (!keys) return keys.error().with_context("--trust-key");
    auto failing = parse_firmware(fail_first_boot);
    if (!failing) return failing.error().with_context("--fail-first-boot");
    if (fail_first_boot.empty()) failing->clear();
    auto delay = parse_duration(flash_delay);
    if (!delay) return delay.error().with_context("--flash-write-delay");
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

    for (double share : {fault_write, fault_power_on, fault_boot})
        if (!(share >= 0.0 && share <= 1.0))
            return make_error("bad_option", "a --fault-* share must be between 0 and 1");

    DeviceConfig base;
    if (!deferment.empty()) {
        auto d = parse_duration(deferment);
        if (!d || d->count() < 0 || *d > kMaxDeferment)
            return make_error("bad_option", "--deferment must be a duration like 20m (at most 7d)");
        base.deferment = *d;
    }
    if (!install_time.empty()) {
        auto d = parse_duration(install_time);
        if (!d || d->count() < 0) return make_error("bad_option", "--install-time must be a duration like 2s");
        base.simulator.install_time = *d;
    }
    auto busy = parse_duration(busy_for);
    if (!busy || busy->count() <= 0) return make_error("bad_option", "--busy-for must be a positive duration like 10s");
    if (!profile.empty() && simulate == 0) return make_error("bad_option", "--profile goes with --simulate");
    auto shares = parse_profile(profile, simulate);
    if (!shares) return shares.error();
    base.gateway = gateway;
    base.initial_firmware = *versions;
    base.no_progress_timeout = *no_progress;
    base.trust_keys = std::make_shared<const TrustKeySet>(std::move(*keys));
    base.boot_health.fail_first_boot = *failing;
    base.simulator.flash_write_delay = *delay;
    if (simulate == 0) {
        if (models.size() != 1) return make_error("bad_option", "a real agent has exactly one --model");
        st = validate_id(id, "device");
        if (!st) return st.error().with_context("--id");
        base.id = id;
        base.model = models.front();
        base.state_dir = state_dir;
        base.simulator.faults.fail_first_write = has_fault(fault_write, 0);
        base.simulator.faults.no_power_on = has_fault(fault_power_on, 0);
        base.simulator.faults.boot_fails = has_fault(fault_boot, 0);
        auto real = parse_real_device(handlers, handler_configs, handler_timeouts, health_check, health_check_timeout);
        if (!real) return real.error();
        base.real = std::move(*real);
        base.real.flash_write_delay = *delay;
        if (!reboot_command.empty()) {
            cl.host.reboot_command = split_command(reboot_command);
            auto wait = parse_duration(reboot_wait);
            if (!wait || wait->count() < 0) return make_error("bad_option", "--reboot-wait must be a duration like 5m");
            cl.host.reboot_wait = *wait;
        }
        cl.host.devices.push_back(base);
        cl.host.reexec_on_restart = true;
    } else {
        if (!handlers.empty() || !health_check.empty() || !reboot_command.empty())
            return make_error("bad_option", "--handler, --health-check and --reboot-command are for a real agent");
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
            d.simulator.faults.fail_first_write = has_fault(fault_write, i);
            d.simulator.faults.no_power_on = has_fault(fault_power_on, i);
            d.simulator.faults.boot_fails = has_fault(fault_boot, i);
            cl.host.devices.push_back(std::move(d));
        }
        std::size_t next = 0;
        for (const auto& share : *shares)
            for (unsigned k = 0; k < share.count && next < cl.host.devices.size(); ++k)
                apply_profile(cl.host.devices[next++], share.kind, *busy);
    }
    cl.host.mqtt.uri = broker;
    for (int i = 0; i < argc; ++i) cl.host.argv.emplace_back(argv[i]);
    return cl;
}

}  // namespace

Expected<CommandLine> parse_command_line(int argc, char** argv) {
    OptionSources sources;
    auto cl = parse_options(argc, argv, sources);
    if (!cl) return Error{cl.error().code, sources.explain(cl.error().message)};
    return cl;
}

}  // namespace fleetcast::device
