#include "manager/cli/control_commands.hpp"

#include <boost/program_options.hpp>
#include <functional>
#include <iostream>
#include <thread>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/messages.hpp"
#include "manager/cli/cli_support.hpp"
#include "manager/cli/json_fields.hpp"

namespace po = boost::program_options;

namespace fleetcast::cli {

namespace {

// The results row of `device` in `campaign`, or nullptr.
const cJSON* device_row(const Json& results, const std::string& device) {
    const cJSON* row = nullptr;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(results.get(), "devices")) if (str(row, "device") == device) return row;
    return nullptr;
}

// Polls the campaign's results until `done(row)` or the timeout; the last row's results.
std::optional<Json> poll_row(RequestClient& client, const std::string& campaign, const std::string& device,
                             std::chrono::milliseconds timeout, const std::function<bool(const cJSON*)>& done) {
    auto a = Json::object();
    json::put(a.get(), "campaign", campaign);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::optional<Json> data;
    while (true) {
        data = call(client, "results", a);
        if (!data) return data;
        const cJSON* row = device_row(*data, device);
        if ((row && done(row)) || std::chrono::steady_clock::now() >= deadline) return data;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

std::string device_arg(const std::vector<std::string>& args, const char* usage, po::options_description& desc,
                       po::variables_map& vm) {
    try {
        return id_arg(args, "device", desc, vm);
    } catch (const UsageError& e) {
        throw UsageError(std::string(usage) + ": " + e.what());
    }
}

}  // namespace

int defer_command(const GlobalOptions& g, const std::vector<std::string>& args) {
    std::string by;
    po::options_description desc("defer DEVICE [--by 20m]");
    desc.add_options()("by", po::value(&by), "how much later (default: the gateway's --defer-period)");
    po::variables_map vm;
    auto device = device_arg(args, "defer", desc, vm);
    auto a = Json::object();
    json::put(a.get(), "device", device);
    if (!by.empty()) {
        auto d = parse_duration(by);
        if (!d || d->count() <= 0) throw UsageError("--by must be a positive duration like 20m, not '" + by + "'");
        json::put(a.get(), "by_ms", static_cast<std::uint64_t>(d->count()));
    }
    auto client = connect(g);
    if (!client) return 1;
    auto sent = call(*client, "defer", a);
    if (!sent) return 1;
    std::string campaign = str(sent->get(), "campaign");
    auto before = call(*client, "results", [&] { auto r = Json::object(); json::put(r.get(), "campaign", campaign); return r; }());
    const cJSON* row0 = before ? device_row(*before, device) : nullptr;
    std::string old_at = row0 ? str(row0, "update_at") : "";
    std::string old_detail = row0 ? str(row0, "detail") : "";
    // The gateway may have applied the defer before `before` was read: its comment then already says so.
    auto after = poll_row(*client, campaign, device, g.timeout, [&](const cJSON* row) {
        return str(row, "detail") != old_detail || str(row, "update_at") != old_at ||
               str(row, "detail").find("deferred by operator") != std::string::npos;
    });
    if (!after) return 1;
    const cJSON* row = device_row(*after, device);
    if (g.json) return print_json(*after), 0;
    std::cout << "device " << device << " (campaign " << campaign << "): update time " << short_time(old_at) << " -> "
              << short_time(row ? str(row, "update_at") : "") << "\n"
              << "gateway comment: " << (row ? str(row, "detail") : "-") << "\n";
    return 0;
}

int cancel_command(const GlobalOptions& g, const std::vector<std::string>& args) {
    po::options_description desc("cancel DEVICE");
    po::variables_map vm;
    auto device = device_arg(args, "cancel", desc, vm);
    auto a = Json::object();
    json::put(a.get(), "device", device);
    auto client = connect(g);
    if (!client) return 1;
    auto sent = call(*client, "cancel", a);
    if (!sent) return 1;
    std::string campaign = str(sent->get(), "campaign");
    auto after = poll_row(*client, campaign, device, g.timeout, [](const cJSON* row) {
        auto s = str(row, "state");
        return s == "canceled" || s == "completed" || s == "failed";
    });
    if (!after) return 1;
    const cJSON* row = device_row(*after, device);
    std::string state = row ? str(row, "state") : "?";
    if (g.json) print_json(*after);
    else
        std::cout << "device " << device << " (campaign " << campaign << "): " << (row ? str(row, "result") : "?") << " ("
                  << state << ")\n"
                  << "gateway comment: " << (row ? str(row, "detail") : "-") << "\n";
    if (state == "canceled") return 0;
    std::cerr << "fleetcast: the update of " << device << " was not canceled (state " << state << ")\n";
    return 1;
}

int suspend_command(const GlobalOptions& g, const std::vector<std::string>& args, bool suspend) {
    const char* op = suspend ? "suspend" : "resume";
    po::options_description desc(std::string(op) + " DEVICE");
    po::variables_map vm;
    auto device = device_arg(args, op, desc, vm);
    auto a = Json::object();
    json::put(a.get(), "device", device);
    auto client = connect(g);
    if (!client) return 1;
    int exit_code = 1;
    auto sent = call(*client, op, a, exit_code);
    if (!sent) return exit_code;
    std::string campaign = str(sent->get(), "campaign");
    // Done when the gateway's report shows the hold (or its release), or the job ended meanwhile.
    auto after = poll_row(*client, campaign, device, g.timeout, [&](const cJSON* row) {
        return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(row, "suspended")) == suspend ||
               str(row, "result") != "WAITING FOR RE-UPDATING";
    });
    if (!after) return 1;
    const cJSON* row = device_row(*after, device);
    bool held = row && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(row, "suspended"));
    if (g.json)
        print_json(*after);
    else
        std::cout << "device " << device << " (campaign " << campaign << "): " << (held ? "suspended" : "not suspended")
                  << ", state " << (row ? str(row, "state") : "?") << " " << (row ? num(row, "progress") : 0) << "%\n"
                  << "gateway comment: " << (row ? str(row, "detail") : "-") << "\n";
    if (held == suspend) return 0;
    std::cerr << "fleetcast: the update of " << device << " was not " << (suspend ? "suspended" : "resumed")
              << " (state " << (row ? str(row, "state") : "?") << ")\n";
    return 1;
}

int set_param_command(const GlobalOptions& g, const std::vector<std::string>& args) {
    std::string device, name, value;
    po::options_description desc("device set-param DEVICE NAME VALUE");
    desc.add_options()("device", po::value(&device)->required(), "device id")("name", po::value(&name)->required(),
                                                                             "parameter: deferment")(
        "value", po::value(&value)->required(), "deferment: a duration (20m, 0s)");
    po::positional_options_description pos;
    pos.add("device", 1).add("name", 1).add("value", 1);
    parse(args, desc, pos);
    auto st = validate_id(device, "device");
    if (!st) throw UsageError("set-param: " + st.error().message);
    if (name != "deferment") throw UsageError("unknown parameter '" + name + "' (deferment)");
    auto d = parse_duration(value);
    if (!d || d->count() < 0 || *d > kMaxDeferment)
        throw UsageError("deferment must be a duration like 20m (at most 7d), not '" + value + "'");
    auto a = Json::object();
    json::put(a.get(), "device", device);
    json::put(a.get(), "name", name);
    json::put(a.get(), "value_ms", static_cast<std::uint64_t>(d->count()));
    auto client = connect(g);
    if (!client) return 1;
    auto data = call(*client, "set_param", a);
    if (!data) return 1;
    if (g.json) return print_json(*data), 0;
    std::cout << "deferment of " << device << " set to " << value << " (sent through gateway "
              << str(data->get(), "gateway") << ")\n";
    return 0;
}

}  // namespace fleetcast::cli
