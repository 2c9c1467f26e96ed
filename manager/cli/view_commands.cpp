#include "manager/cli/view_commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/job_rules.hpp"
#include "common/operator_campaign_views.hpp"
#include "common/operator_messages.hpp"
#include "common/operator_views.hpp"
#include "common/operator_waves.hpp"
#include "manager/cli/cli_support.hpp"
#include "manager/cli/json_fields.hpp"
#include "manager/cli/request_client.hpp"
#include "manager/cli/table.hpp"
#include "manager/cli/window_commands.hpp"

namespace po = boost::program_options;

namespace fleetcast::cli {

namespace {

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

// One request whose answer decodes with `decode`, printed as JSON or with `print`; exit status.
template <typename Answer, typename Print>
int one_view(const GlobalOptions& g, const std::string& op, const Json& args, Expected<Answer> (*decode)(const cJSON*),
             Print print) {
    auto client = connect(g);
    if (!client) return 1;
    std::optional<Json> raw;
    auto a = call_typed(*client, op, args, decode, &raw);
    if (!a) return 1;
    if (g.json) print_json(*raw);
    else print(*a);
    return 0;
}

// "3 completed, 1 waiting, 0 error, 0 expired, 0 canceled"
std::string summary_text(const ResultSummary& s) {
    auto n = [&s](std::string_view label) {
        auto it = s.counts.find(std::string(label));
        return std::to_string(it == s.counts.end() ? 0 : it->second);
    };
    return n(job_rules::kResultCompleted) + " completed, " + n(job_rules::kResultWaiting) + " waiting, " +
           n(job_rules::kResultError) + " error, " + n(job_rules::kResultExpired) + " expired, " +
           n(job_rules::kResultCanceled) + " canceled";
}

}  // namespace

std::string link_bytes_text(const LinkBytes& l) {
    return std::to_string(l.bytes) + " B sent, " + std::to_string(l.saved) + " B saved";
}
std::string link_bytes_text(const std::optional<std::vector<LinkBytes>>& links) {
    if (!links) return "-";
    LinkBytes sum;
    for (const auto& l : *links) sum.bytes += l.bytes, sum.saved += l.saved;
    return link_bytes_text(sum);
}

namespace {

std::string time_text(const std::optional<TimePoint>& t) { return t ? short_time(format_time(*t)) : "-"; }
std::string time_text(TimePoint t) { return short_time(format_time(t)); }

Millis interval_arg(const std::string& text) {
    auto d = parse_duration(text);
    if (!d || d->count() <= 0) throw po::error("--interval must be a positive duration like 1s");
    return *d;
}

void print_status(const DeviceStatusAnswer& a) {
    auto time = [](const std::optional<TimePoint>& t) { return t ? short_time(format_time(*t)) : std::string("-"); };
    const DeviceStatusJob* j = a.latest ? &*a.latest : nullptr;
    Table t({"FIELD", "VALUE"});
    t.add({"now", time(a.now)});
    t.add({"device", a.device.device});
    t.add({"gateway", a.device.gateway});
    t.add({"device status", a.device.status});
    t.add({"campaign", j ? j->campaign : "-"});
    t.add({"state", a.phase + (j ? " (" + std::string(to_string(j->job.state)) + ")" : "")});
    t.add({"progress", progress_bar(j ? j->job.progress : 0)});
    t.add({"result", j ? std::string(job_rules::result_label(j->job.state)) : "-"});
    t.add({"update at", j ? time(j->update_at) : "-"});
    t.add({"expected end", j ? time(j->expected_end) : "-"});
    t.add({"started", j ? time(j->job.started_at) : "-"});
    t.add({"ended", j ? time(j->job.ended_at) : "-"});
    t.add({"error", j ? or_dash(error_of(j->job)) : "-"});
    t.add({"detail", j ? or_dash(j->job.detail) : "-"});
    t.print(std::cout);
}

std::optional<DeviceStatusAnswer> device_status(RequestClient& client, const std::string& device,
                                                std::optional<Json>& raw) {
    return call_typed(client, "device_status", json_object(DeviceArgs{device}), device_status_answer_from_json, &raw);
}

}  // namespace

std::string progress_bar(std::uint64_t percent, std::size_t width) {
    percent = std::min<std::uint64_t>(percent, 100);
    std::size_t full = static_cast<std::size_t>(percent * width / 100);
    char pct[8];
    std::snprintf(pct, sizeof pct, "%3u%%", static_cast<unsigned>(percent));
    return "[" + std::string(full, '#') + std::string(width - full, '-') + "] " + pct;
}

int status_command(const GlobalOptions& g, const std::vector<std::string>& args) {
    std::string interval = "1s";
    po::options_description desc("status DEVICE [--watch]");
    desc.add_options()("watch", po::bool_switch(), "refresh with a progress bar until the device settles")(
        "interval", po::value(&interval), "refresh interval with --watch (default 1s)");
    po::variables_map vm;
    auto device = id_arg(args, "device", desc, vm);
    const bool watch = vm["watch"].as<bool>();
    auto every = watch ? interval_arg(interval) : Millis(0);
    auto client = connect(g);
    if (!client) return 1;
    const bool tty = ::isatty(STDOUT_FILENO) != 0;
    while (true) {
        std::optional<Json> raw;
        auto a = device_status(*client, device, raw);
        if (!a) return 1;
        if (!watch || a->settled) {
            if (watch && !g.json && tty) std::cout << '\n';
            if (g.json) print_json(*raw);
            else print_status(*a);
            return 0;
        }
        if (!g.json) {
            const auto& j = a->latest;
            std::string line = device + "  " + progress_bar(j ? j->job.progress : 0) + "  " + a->phase +
                               "  expected end " +
                               (j && j->expected_end ? short_time(format_time(*j->expected_end)) : "-");
            if (tty) std::cout << '\r' << line << "\033[K" << std::flush;
            else std::cout << line << '\n' << std::flush;
        }
        std::this_thread::sleep_for(every);
    }
}

int targets_command(const GlobalOptions& g, const std::vector<std::string>& args) {
    po::options_description desc("targets CAMPAIGN");
    po::variables_map vm;
    auto campaign = id_arg(args, "campaign", desc, vm);
    auto client = connect(g);
    if (!client) return 1;
    auto all =
        call_all_pages(*client, "targets",
                       json_object(TargetsArgs{campaign, PageArgs{}}));  // every page: one table, one JSON document
    if (!all) return 1;
    if (g.json) return print_json(*all), 0;
    auto a = typed_answer(targets_answer_from_json(all->get()));
    if (!a) return 1;
    std::cout << "campaign " << a->campaign << ": " << a->total << " target devices\n";
    // One column per component, in the order first seen (main, controller, df...).
    std::vector<std::string> components;
    for (const auto& row : a->devices)
        for (const auto& ch : row.changes)
            if (std::find(components.begin(), components.end(), ch.component) == components.end())
                components.push_back(ch.component);
    const bool waves = std::any_of(a->devices.begin(), a->devices.end(), [](const TargetRow& r) { return r.wave > 0; });
    std::vector<std::string> header{"TYPE", "SERIAL", "TRANSMISSION", "UPDATE"};
    if (waves) header.push_back("WAVE");
    for (const auto& c : components) {
        std::string up = c;
        for (auto& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        header.push_back(up);
    }
    Table t(header);
    for (const auto& row : a->devices) {
        std::vector<std::string> cells{row.model, row.serial, short_time(format_time(row.transmit_at)),
                                       short_time(format_time(row.update_at))};
        if (waves) cells.push_back(std::to_string(row.wave));
        for (const auto& c : components) {
            std::string cell = "-";
            for (const auto& ch : row.changes)
                if (ch.component == c) cell = or_dash(ch.old_version) + " → " + ch.new_version;
            cells.push_back(cell);
        }
        t.add(cells);
    }
    t.print(std::cout);
    return 0;
}

int unregistered_command(const GlobalOptions& g, const std::vector<std::string>& args) {
    po::options_description desc("unregistered CAMPAIGN");
    po::variables_map vm;
    auto campaign = id_arg(args, "campaign", desc, vm);
    auto client = connect(g);
    if (!client) return 1;
    std::optional<Json> raw;
    auto a =
        call_typed(*client, "unregistered", json_object(CampaignArgs{campaign}), unregistered_answer_from_json, &raw);
    if (!a) return 1;
    if (g.json) return print_json(*raw), 0;
    std::cout << "campaign " << a->campaign << ": " << a->total << " devices not included\n";
    Table t({"DEVICE", "REASON"});
    for (const auto& s : a->devices) t.add({s.device, s.reason});
    t.print(std::cout);
    return 0;
}

int gateway_command(const GlobalOptions& g, const std::vector<std::string>& args) {
    po::options_description desc("gateway GW");
    po::variables_map vm;
    auto gw = id_arg(args, "gateway", desc, vm);
    auto client = connect(g);
    if (!client) return 1;
    std::optional<Json> raw;
    auto a = call_typed(*client, "gateway_table", json_object(GatewayArgs{gw}), gateway_table_answer_from_json, &raw);
    if (!a) return 1;
    if (g.json) return print_json(*raw), 0;
    std::cout << "gateway " << a->gateway << " (" << a->status << ", last seen " << time_text(a->last_seen) << ")\n";
    // Issue 16 item 5: the gateway's next maintenance window, from gateway_list.
    if (auto list = call_typed(*client, "gateway_list", Json::object(), gateway_list_answer_from_json))
        for (const auto& row : list->gateways)
            if (row.gateway == a->gateway && row.window)
                std::cout << "maintenance window: " << window_cell(row.window) << "\n";
    Table t({"DEVICE", "CAMPAIGN", "NECESSITY", "UPDATE TIME", "STATE", "PROGRESS", "COMMENT"});
    for (const auto& r : a->rows)
        t.add({r.device, r.campaign, std::string(job_rules::necessity(r.job.state)), time_text(r.update_at),
               std::string(to_string(r.job.state)), std::to_string(r.job.progress) + "%", or_dash(r.job.detail)});
    t.print(std::cout);
    return 0;
}

void print_results_by_gateway(const ResultsAnswer& a, const std::map<std::string, std::string>& windows) {
    std::cout << "campaign " << a.header.campaign << " (" << a.header.state << ", " << to_string(a.header.mode)
              << ", update at " << time_text(a.header.update_at) << ")\n";
    // Issue 16: why it is paused or canceled (an operator, or its failure threshold).
    if (!a.control.reason.empty()) std::cout << a.control.state << ": " << a.control.reason << "\n";
    if (const auto& v = a.wave) {
        // Issue 16 item 2: which wave is open, and each wave's completed targets.
        std::cout << "wave " << v->text() << " open (" << v->plan.sizes_text() << ", success "
                  << v->plan.success_percent << "%, soak " << static_cast<double>(v->plan.soak.count()) / 1000.0 << "s"
                  << (v->soak_ends_at ? ", next wave at " + short_time(format_time(*v->soak_ends_at)) : "") << ")\n";
        for (const auto& t : v->tallies)
            std::cout << "  wave " << t.wave << ": " << t.completed << " of " << t.targets << " completed, " << t.ended
                      << " ended" << (t.wave > v->open ? " (not open)" : "") << "\n";
    }
    std::map<std::string, std::vector<const ResultsRow*>> by_gateway;
    for (const auto& r : a.devices) by_gateway[r.gateway].push_back(&r);
    for (const auto& [gw, rows] : by_gateway) {
        auto window = windows.find(gw);
        std::cout << "\ngateway " << gw << " (" << rows.size() << " devices"
                  << (window == windows.end() ? std::string() : ", maintenance window " + window->second) << ")\n";
        if (a.links)  // issue 17 item 7
            for (const auto& l : *a.links)
                if (l.gateway == gw) std::cout << "manager -> gateway: " << link_bytes_text(l) << "\n";
        Table t({"DEVICE", "MODEL", "VERSIONS", "UPDATE AT", "START", "END", "RESULT", "ERROR", "DETAIL"});
        for (const ResultsRow* r : rows) {
            std::string versions;
            for (const auto& [component, version] : r->job.new_versions) {
                auto old = r->job.old_versions.find(component);
                versions += (versions.empty() ? "" : ", ") + component + " " +
                            (old == r->job.old_versions.end() ? "-" : old->second) + "→" + version;
            }
            std::string result(job_rules::result_label(r->job.state));
            if (result == job_rules::kResultWaiting)
                result += " (" + std::string(to_string(r->job.state)) + " " + std::to_string(r->job.progress) + "%)";
            // UPDATE AT: this device's own time, moved by busy/defer (R13, R14).
            t.add({r->device, r->model, or_dash(versions), time_text(r->update_at), time_text(r->job.started_at),
                   time_text(r->job.ended_at), result, or_dash(error_of(r->job)), or_dash(r->job.detail)});
        }
        t.print(std::cout);
    }
    std::cout << "\nsummary: " << summary_text(a.summary) << " (" << a.summary.total << " targets)\n";
    if (a.links) std::cout << "manager -> gateways: " << link_bytes_text(a.links) << " (deltas, compression)\n";
}

int campaign_watch_command(const GlobalOptions& g, const std::vector<std::string>& args) {
    std::string interval = "1s";
    po::options_description desc("campaign watch CAMPAIGN");
    desc.add_options()("interval", po::value(&interval), "refresh interval (default 1s)");
    po::variables_map vm;
    auto campaign = id_arg(args, "campaign", desc, vm);
    auto every = interval_arg(interval);
    auto client = connect(g);
    if (!client) return 1;
    const bool tty = ::isatty(STDOUT_FILENO) != 0;
    std::size_t drawn = 0;  // lines of the last frame, redrawn in place on a terminal
    // The summary and one aggregate per gateway over every target, no rows:
    // the same small answer for 10 devices or 100,000.
    const auto a = json_object(ResultsArgs{campaign, PageArgs{0, 0}, true, std::nullopt});
    while (true) {
        std::optional<Json> raw;
        auto r = call_typed(*client, "results", a, results_answer_from_json, &raw);
        if (!r) return 1;
        bool done = r->pending == 0;
        if (g.json) {
            if (done) print_json(*raw);
        } else {
            // Per gateway: ended targets and the mean progress of all of them.
            if (tty && drawn > 0) std::cout << "\033[" << drawn << "A";
            Table t({"GATEWAY", "PROGRESS", "ENDED"});
            for (const auto& gw : r->gateways.value_or(std::vector<GatewayProgress>{}))
                t.add(
                    {gw.gateway, progress_bar(gw.progress), std::to_string(gw.ended) + "/" + std::to_string(gw.total)});
            std::ostringstream frame;
            t.print(frame);
            frame << short_time(format_time(std::chrono::system_clock::now())) << "  " << summary_text(r->summary)
                  << "\n";
            const std::string plain = frame.str();
            std::string text = plain;
            if (tty) {
                std::string cleared;
                for (char ch : text) cleared += ch == '\n' ? std::string("\033[K\n") : std::string(1, ch);
                text = cleared;
            }
            std::cout << text << std::flush;
            drawn = static_cast<std::size_t>(std::count(plain.begin(), plain.end(), '\n'));
        }
        if (done) return 0;
        std::this_thread::sleep_for(every);
    }
}

}  // namespace fleetcast::cli
