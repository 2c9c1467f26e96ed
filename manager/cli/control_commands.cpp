#include "manager/cli/control_commands.hpp"

#include <boost/program_options.hpp>
#include <functional>
#include <iostream>
#include <thread>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/job_rules.hpp"
#include "common/messages.hpp"
#include "common/operator_campaign_views.hpp"
#include "common/operator_messages.hpp"
#include "manager/cli/cli_support.hpp"
#include "manager/cli/json_fields.hpp"

namespace po = boost::program_options;

namespace fleetcast::cli {

namespace {

// The results row of `device`; nullopt when absent.
std::optional<ResultsRow> device_row(const ResultsAnswer& results, const std::string& device) {
    for (const auto& row : results.devices)
        if (row.device == device) return row;
    return std::nullopt;
}

// The campaign's results with the row of `device` only, wherever it stands in
// the campaign's pages (a first page of 5,000 rows missed the rest of a large
// campaign); nullopt (error printed) when it fails or does not decode.
std::optional<ResultsAnswer> results_of(RequestClient& client, const std::string& campaign, const std::string& device) {
    return call_typed(client, "results", json_object(ResultsArgs{campaign, PageArgs{}, false, device}),
                      results_answer_from_json);
}

// Polls the campaign's results until `done(row)` or the timeout; the last results.
std::optional<ResultsAnswer> poll_row(RequestClient& client, const std::string& campaign, const std::string& device,
                                      std::chrono::milliseconds timeout,
                                      const std::function<bool(const ResultsRow&)>& done) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::optional<ResultsAnswer> data;
    while (true) {
        data = results_of(client, campaign, device);
        if (!data) return data;
        auto row = device_row(*data, device);
        if ((row && done(*row)) || std::chrono::steady_clock::now() >= deadline) return data;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

// The job the manager sent the command for; nullopt (error printed) when the answer does not decode.
std::optional<ControlAnswer> control_answer(const Json& data) {
    return typed_answer(control_answer_from_json(data.get()));
}

std::string time_text(const std::optional<ResultsRow>& row) {
    return row ? short_time(format_time(row->update_at)) : "-";
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
    DeferArgs a{device, std::nullopt};
    if (!by.empty()) {
        auto d = parse_duration(by);
        if (!d || d->count() <= 0) throw UsageError("--by must be a positive duration like 20m, not '" + by + "'");
        a.by = *d;
    }
    auto client = connect(g);
    if (!client) return 1;
    auto sent = call(*client, "defer", json_object(a));
    if (!sent) return 1;
    auto answer = control_answer(*sent);
    if (!answer) return 1;
    const std::string campaign = answer->campaign;
    auto before = results_of(*client, campaign, device);
    auto row0 = before ? device_row(*before, device) : std::nullopt;
    std::string old_at = time_text(row0);
    std::string old_detail = row0 ? row0->job.detail : "";
    // The gateway may have applied the defer before `before` was read: its comment then already says so.
    auto after = poll_row(*client, campaign, device, g.timeout, [&](const ResultsRow& row) {
        return row.job.detail != old_detail || time_text(row) != old_at ||
               row.job.detail.find("deferred by operator") != std::string::npos;
    });
    if (!after) return 1;
    auto row = device_row(*after, device);
    if (g.json) return print_json(json_object(*after)), 0;
    std::cout << "device " << device << " (campaign " << campaign << "): update time " << old_at << " -> "
              << time_text(row) << "\n"
              << "gateway comment: " << (row ? row->job.detail : "-") << "\n";
    return 0;
}

int cancel_command(const GlobalOptions& g, const std::vector<std::string>& args) {
    po::options_description desc("cancel DEVICE");
    po::variables_map vm;
    auto device = device_arg(args, "cancel", desc, vm);
    auto client = connect(g);
    if (!client) return 1;
    auto sent = call(*client, "cancel", json_object(DeviceArgs{device}));
    if (!sent) return 1;
    auto answer = control_answer(*sent);
    if (!answer) return 1;
    const std::string campaign = answer->campaign;
    // Done once the job ended, whichever way: canceled, completed (too late), failed or expired.
    auto after = poll_row(*client, campaign, device, g.timeout,
                          [](const ResultsRow& row) { return job_rules::is_terminal(row.job.state); });
    if (!after) return 1;
    auto row = device_row(*after, device);
    std::string state = row ? std::string(to_string(row->job.state)) : "?";
    if (g.json) print_json(json_object(*after));
    else
        std::cout << "device " << device << " (campaign " << campaign
                  << "): " << (row ? job_rules::result_label(row->job.state) : "?") << " (" << state << ")\n"
                  << "gateway comment: " << (row ? row->job.detail : "-") << "\n";
    if (row && row->job.state == JobState::Canceled) return 0;
    std::cerr << "fleetcast: the update of " << device << " was not canceled (state " << state << ")\n";
    return 1;
}

int suspend_command(const GlobalOptions& g, const std::vector<std::string>& args, bool suspend) {
    const char* op = suspend ? "suspend" : "resume";
    po::options_description desc(std::string(op) + " DEVICE");
    po::variables_map vm;
    auto device = device_arg(args, op, desc, vm);
    auto client = connect(g);
    if (!client) return 1;
    int exit_code = 1;
    auto sent = call(*client, op, json_object(DeviceArgs{device}), exit_code);
    if (!sent) return exit_code;
    auto answer = control_answer(*sent);
    if (!answer) return 1;
    const std::string campaign = answer->campaign;
    // Done when the gateway's report shows the hold (or its release), or the job ended meanwhile.
    auto after = poll_row(*client, campaign, device, g.timeout, [&](const ResultsRow& row) {
        return row.job.suspended == suspend || job_rules::is_terminal(row.job.state);
    });
    if (!after) return 1;
    auto row = device_row(*after, device);
    bool held = row && row->job.suspended;
    std::string state = row ? std::string(to_string(row->job.state)) : "?";
    if (g.json) print_json(json_object(*after));
    else
        std::cout << "device " << device << " (campaign " << campaign << "): " << (held ? "suspended" : "not suspended")
                  << ", state " << state << " " << (row ? row->job.progress : 0) << "%\n"
                  << "gateway comment: " << (row ? row->job.detail : "-") << "\n";
    if (held == suspend) return 0;
    std::cerr << "fleetcast: the update of " << device << " was not " << (suspend ? "suspended" : "resumed")
              << " (state " << state << ")\n";
    return 1;
}

int set_param_command(const GlobalOptions& g, const std::vector<std::string>& args) {
    std::string device, name, value;
    po::options_description desc("device set-param DEVICE NAME VALUE");
    desc.add_options()("device", po::value(&device)->required(), "device id")(
        "name", po::value(&name)->required(), "parameter: deferment")("value", po::value(&value)->required(),
                                                                      "deferment: a duration (20m, 0s)");
    po::positional_options_description pos;
    pos.add("device", 1).add("name", 1).add("value", 1);
    parse(args, desc, pos);
    auto st = validate_id(device, "device");
    if (!st) throw UsageError("set-param: " + st.error().message);
    if (name != "deferment") throw UsageError("unknown parameter '" + name + "' (deferment)");
    auto d = parse_duration(value);
    if (!d || d->count() < 0 || *d > kMaxDeferment)
        throw UsageError("deferment must be a duration like 20m (at most 7d), not '" + value + "'");
    auto client = connect(g);
    if (!client) return 1;
    auto data = call(*client, "set_param", json_object(SetParamArgs{device, name, *d}));
    if (!data) return 1;
    if (g.json) return print_json(*data), 0;
    auto answer = set_param_answer_from_json(data->get());
    if (!answer) {
        std::cerr << "fleetcast: bad answer from the manager: " << answer.error().str() << "\n";
        return 1;
    }
    std::cout << "deferment of " << device << " set to " << value << " (sent through gateway " << answer->gateway
              << ")\n";
    return 0;
}

}  // namespace fleetcast::cli
