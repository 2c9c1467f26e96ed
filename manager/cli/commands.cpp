#include "manager/cli/commands.hpp"

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <set>
#include <thread>

#include "common/clock.hpp"
#include "common/ids.hpp"
#include "common/job_rules.hpp"
#include "common/json.hpp"
#include "common/messages.hpp"
#include "common/operator_campaign_create.hpp"
#include "common/operator_messages.hpp"
#include "common/operator_views.hpp"
#include "manager/cli/audit_command.hpp"
#include "manager/cli/campaign_commands.hpp"
#include "manager/cli/cli_support.hpp"
#include "manager/cli/control_commands.hpp"
#include "manager/cli/firmware_upload.hpp"
#include "manager/cli/json_fields.hpp"
#include "manager/cli/request_client.hpp"
#include "manager/cli/table.hpp"
#include "manager/cli/view_commands.hpp"
#include "manager/cli/window_commands.hpp"

namespace po = boost::program_options;

namespace fleetcast::cli {

namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(500);

std::string versions_text(const Versions& versions) {
    std::string out;
    for (const auto& [component, version] : versions) out += (out.empty() ? "" : ",") + component + "=" + version;
    return out.empty() ? "-" : out;
}

// A time option: "now", "+20m" (relative: resolved by the manager's own clock,
// which may run scaled) or an ISO-8601 time (local time zone when none given).
struct TimeArg {
    std::optional<TimePoint> at;
    std::optional<Millis> in;  // relative to the manager's now
};
TimeArg time_arg(const std::string& text, const char* option) {
    if (text == "now") return TimeArg{std::nullopt, Millis(0)};
    if (!text.empty() && text[0] == '+') {
        auto d = parse_duration(std::string_view(text).substr(1));
        if (!d) throw UsageError(std::string("--") + option + ": " + d.error().message);
        if (d->count() < 0) throw UsageError(std::string("--") + option + ": negative duration");
        return TimeArg{std::nullopt, *d};
    }
    auto t = parse_time(text);
    if (!t) throw UsageError(std::string("--") + option + ": " + t.error().message);
    return TimeArg{*t, std::nullopt};
}

std::vector<std::string> read_devices_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw UsageError("--devices-file: cannot read " + path);
    std::vector<std::string> out;
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
        auto first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos) continue;
        auto id = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
        auto st = validate_id(id, "device");
        if (!st) throw UsageError(path + ":" + std::to_string(n) + ": " + st.error().message);
        out.push_back(id);
    }
    return out;
}

// ---- commands -----------------------------------------------------------------
int firmware_add(const GlobalOptions& g, const std::vector<std::string>& args) {
    std::string file, model, component, version;
    std::uint32_t chunk_size = 0;
    std::uint64_t piece_size = kUploadPieceMax;
    po::options_description desc("firmware add FILE");
    desc.add_options()("file", po::value(&file)->required(), "image file (read here, uploaded over MQTT)")(
        "model", po::value(&model)->required(), "device model type")("component", po::value(&component)->required(),
                                                                     "component (main, controller, df...)")(
        "version", po::value(&version)->required(), "version of the image")("chunk-size", po::value(&chunk_size),
                                                                            "bytes per chunk (default 65536)")(
        "allow-downgrade", po::bool_switch(), "devices may install it over a newer version")(
        "piece-size", po::value(&piece_size), "bytes per upload request (default and most 262144)");
    po::positional_options_description pos;
    pos.add("file", 1);
    auto vm = parse(args, desc, pos);
    if (piece_size == 0 || piece_size > kUploadPieceMax)
        throw UsageError("--piece-size must be 1.." + std::to_string(kUploadPieceMax));
    FirmwareAddArgs a{"", model, component, version, std::nullopt, vm["allow-downgrade"].as<bool>()};
    if (vm.count("chunk-size")) a.chunk_size = chunk_size;
    auto client = connect(g);
    if (!client) return 1;
    int exit_code = 1;
    auto raw = upload_image(*client, file, a, piece_size, exit_code);
    if (!raw) return exit_code;
    auto m = typed_answer(manifest_from_json(raw->get()));
    if (!m) return 1;
    if (g.json) return print_json(*raw), 0;
    std::cout << m->fw_id << '\n'
              << m->model << "/" << m->component << " version " << m->version << ": " << m->size << " bytes, "
              << m->chunk_count << " chunks of " << m->chunk_size << ", sha256 " << m->sha256 << '\n';
    return 0;
}

int firmware_list(const GlobalOptions& g) {
    auto client = connect(g);
    if (!client) return 1;
    std::optional<Json> raw;
    auto a = call_typed(*client, "firmware_list", Json::object(), firmware_list_answer_from_json, &raw);
    if (!a) return 1;
    if (g.json) return print_json(*raw), 0;
    // Issue 17: a delta shows what it rebuilds from and to, and its size against the image's.
    Table t({"FW_ID", "MODEL", "COMPONENT", "VERSION", "SIZE", "CHUNKS", "DELTA", "ADDED", "CAMPAIGNS"});
    for (const auto& r : a->firmware) {
        const auto& m = r.manifest;
        std::string campaigns;
        for (const auto& c : r.campaigns) campaigns += (campaigns.empty() ? "" : ", ") + c;
        std::string delta = "-";
        if (is_delta(m)) {
            char pct[32];
            std::snprintf(pct, sizeof pct, "%.1f%%",
                          100.0 * static_cast<double>(m.size) / static_cast<double>(m.encoding->target_size));
            delta = "from " + m.encoding->source_version + " to " + installed_fw_id(m) + " (" + pct + " of " +
                    std::to_string(m.encoding->target_size) + ")";
        }
        t.add({m.fw_id, m.model, m.component, m.version, std::to_string(m.size), std::to_string(m.chunk_count), delta,
               short_time(format_time(r.added_at)), campaigns.empty() ? "-" : campaigns});
    }
    t.print(std::cout);
    // Issue 17 follow-up: deltas and compressed images given up (not made again).
    if (!a->given_up.empty()) {
        std::cout << "\nnot used (given up, not made again):\n";
        Table u({"  TARGET", "FROM", "BYTES", "IMAGE", "AT", "WHY"});
        for (const auto& x : a->given_up)
            u.add({"  " + x.target_fw, x.source_fw.empty() ? "(compressed)" : x.source_version + " " + x.source_fw,
                   std::to_string(x.bytes), std::to_string(x.image_bytes), short_time(format_time(x.at)), x.reason});
        u.print(std::cout);
    }
    return 0;
}

int firmware_delete(const GlobalOptions& g, const std::vector<std::string>& args) {
    po::options_description desc("firmware delete FW");
    po::variables_map vm;
    auto fw = id_arg(args, "fw", desc, vm);
    auto client = connect(g);
    if (!client) return 1;
    std::optional<Json> raw;
    auto a = call_typed(*client, "firmware_delete", json_object(FirmwareArgs{fw}), firmware_deleted_from_json, &raw);
    if (!a) return 1;
    if (g.json) return print_json(*raw), 0;
    std::cout << "firmware " << a->fw << " deleted" << (a->image_removed ? ", its image file too" : "") << "\n";
    return 0;
}

int list_devices(const GlobalOptions& g) {
    auto client = connect(g);
    if (!client) return 1;
    std::optional<Json> raw;
    auto a = call_typed(*client, "device_list", Json::object(), device_list_answer_from_json, &raw);
    if (!a) return 1;
    if (g.json) return print_json(*raw), 0;
    Table t({"DEVICE", "GATEWAY", "MODEL", "STATUS", "FIRMWARE", "LAST_SEEN"});
    for (const auto& d : a->devices)
        t.add(
            {d.device, d.gateway, d.model, d.status, versions_text(d.firmware), short_time(format_time(d.last_seen))});
    t.print(std::cout);
    return 0;
}

int list_gateways(const GlobalOptions& g) {
    auto client = connect(g);
    if (!client) return 1;
    std::optional<Json> raw;
    auto a = call_typed(*client, "gateway_list", Json::object(), gateway_list_answer_from_json, &raw);
    if (!a) return 1;
    if (g.json) return print_json(*raw), 0;
    Table t({"GATEWAY", "STATUS", "LAST_SEEN", "MAINTENANCE WINDOW"});
    for (const auto& gw : a->gateways)
        t.add({gw.gateway, gw.status, short_time(format_time(gw.last_seen)), window_cell(gw.window)});
    t.print(std::cout);
    return 0;
}

int list_rates(const GlobalOptions& g) {
    auto client = connect(g);
    if (!client) return 1;
    std::optional<Json> raw;
    auto a = call_typed(*client, "rate_list", Json::object(), rate_list_answer_from_json, &raw);
    if (!a) return 1;
    if (g.json) return print_json(*raw), 0;
    Table t({"GATEWAY", "LINK", "BYTES/S", "BYTES", "MS", "SOURCE", "AT"});
    for (const auto& r : a->rates) {
        std::string link = r.device.empty() ? "manager->" + r.gateway : "->" + r.device;
        t.add({r.gateway, link, std::to_string(r.bytes_per_s), std::to_string(r.bytes), std::to_string(r.millis),
               r.source, short_time(format_time(r.at))});
    }
    t.print(std::cout);
    return 0;
}

namespace {
// --max-failures, --min-ended, --failure-results, --on-failure (issue 16 item 3).
std::optional<FailureThreshold> failure_threshold_arg(const po::variables_map& vm) {
    if (!vm.count("max-failures")) {
        for (const char* other : {"min-ended", "failure-results", "on-failure"})
            if (vm.count(other)) throw UsageError(std::string("--") + other + " goes with --max-failures");
        return std::nullopt;
    }
    FailureThreshold t;
    if (auto st = parse_max_failures(vm["max-failures"].as<std::string>(), t); !st)
        throw UsageError("--max-failures: " + st.error().message);
    if (vm.count("min-ended")) {
        const auto text = vm["min-ended"].as<std::string>();
        FailureThreshold n;
        auto st = parse_max_failures(text, n);
        if (!st || !n.max_count) throw UsageError("--min-ended must be a count of targets, not '" + text + "'");
        t.min_ended = *n.max_count;
    }
    if (vm.count("failure-results")) {
        auto states = failure_results_from_list(vm["failure-results"].as<std::string>());
        if (!states) throw UsageError("--failure-results: " + states.error().message);
        t.failure_states = *states;
    }
    if (vm.count("on-failure")) {
        auto action = failure_action_from_string(vm["on-failure"].as<std::string>());
        if (!action) throw UsageError("--on-failure: " + action.error().message);
        t.on_failure = *action;
    }
    return t;
}

// --max-per-minute, --max-concurrent-per-gateway (issue 16 item 4): a count 1-1000000.
std::optional<std::uint32_t> limit_arg(const po::variables_map& vm, const char* option) {
    if (!vm.count(option)) return std::nullopt;
    const auto text = vm[option].as<std::string>();
    std::uint64_t n = 0;
    bool digits = !text.empty() && text.size() <= 7;
    for (char c : text) digits = digits && c >= '0' && c <= '9';
    if (digits) n = std::stoull(text);
    if (!digits || n == 0 || n > kMaxRateLimit)
        throw UsageError(std::string("--") + option + " must be a count of devices from 1 to 1000000, not '" +
                         text.substr(0, 32) + "'");
    return static_cast<std::uint32_t>(n);
}

// --waves, --wave-success, --wave-soak (issue 16 item 2).
std::optional<WavePlan> waves_arg(const po::variables_map& vm) {
    if (!vm.count("waves")) {
        for (const char* other : {"wave-success", "wave-soak"})
            if (vm.count(other)) throw UsageError(std::string("--") + other + " goes with --waves");
        return std::nullopt;
    }
    WavePlan p;
    auto sizes = parse_wave_sizes(vm["waves"].as<std::string>());
    if (!sizes) throw UsageError("--waves: " + sizes.error().message);
    p.sizes = *sizes;
    if (vm.count("wave-success")) {
        auto share = parse_wave_success(vm["wave-success"].as<std::string>());
        if (!share) throw UsageError("--wave-success: " + share.error().message);
        p.success_percent = *share;
    }
    if (vm.count("wave-soak")) {
        auto d = parse_duration(vm["wave-soak"].as<std::string>());
        if (!d || d->count() < 0 || *d > kMaxWaveSoak)
            throw UsageError("--wave-soak must be a duration like 30s or 2h (at most 30d)");
        p.soak = *d;
    }
    return p;
}
}  // namespace

int campaign_create(const GlobalOptions& g, const std::vector<std::string>& args) {
    std::vector<std::string> devices, firmware, models;
    std::string devices_file, update_at, transmit_at, expires_at, mode = "pull", campaign;
    po::options_description desc("campaign create");
    desc.add_options()("all", po::bool_switch(), "every registered device")(
        "device", po::value(&devices)->multitoken()->composing(), "device id (TYPE-SERIAL), repeatable")(
        "devices-file", po::value(&devices_file), "file with one device id per line (# comments)")(
        "model", po::value(&models)->multitoken()->composing(), "every registered device of this model, repeatable")(
        "firmware", po::value(&firmware)->multitoken()->composing(),
        "fw id to install (default: latest per model and component)")("update-at", po::value(&update_at),
                                                                      "update time: ISO-8601, +DURATION or now")(
        "transmit-at", po::value(&transmit_at), "push mode transmission time (ISO-8601, +DURATION or now)")(
        "asap", po::bool_switch(), "times from image sizes and measured rates (the default without times)")(
        "expires-at", po::value(&expires_at), "expiration time (ISO-8601 or +DURATION)")(
        "mode", po::value(&mode), "pull (default) or push")("campaign", po::value(&campaign),
                                                            "campaign id (default c-YYYYMMDD-HHMMSS-xxxx)")(
        "retries", po::value<unsigned>(), "re-tries of a failed device update (default 3, at most 20)")(
        "retry-backoff", po::value<std::string>(), "wait before the first retry, doubled for each next (default 5s)")(
        "power-on-timeout", po::value<std::string>(), "wait for the power-on report after a restart (default 60s)")(
        "max-failures", po::value<std::string>(),
        "stop the campaign when more than N targets (3) or a share of the ended ones (5%) failed")(
        "min-ended", po::value<std::string>(), "with a share: at least this many targets ended first (default 0)")(
        "failure-results", po::value<std::string>(),
        "results that count as failed: error,expired,canceled (default error)")(
        "on-failure", po::value<std::string>(), "pause (default) or cancel the campaign when the threshold is crossed")(
        "max-per-minute", po::value<std::string>(), "devices started per minute across the campaign (first offers)")(
        "max-concurrent-per-gateway", po::value<std::string>(),
        "devices of the campaign in transfer (requesting or transferring) at once per gateway")(
        "waves", po::value<std::string>(),
        "staged rollout: cumulative wave sizes, counts or shares of the targets (5,10%,50%,100%)")(
        "wave-success", po::value<std::string>(),
        "share of a wave's targets that must complete (power-on report with the new versions) before the next "
        "(default 100%)")("wave-soak", po::value<std::string>(),
                          "wait this long after a wave's success before the next wave opens (default 0s)")(
        "dry-run", po::bool_switch(), "only show the planner's answer: nothing is created");
    auto vm = parse(args, desc);
    if (!devices_file.empty())
        for (auto& d : read_devices_file(devices_file)) devices.push_back(std::move(d));
    bool all = vm["all"].as<bool>();
    bool asap = vm["asap"].as<bool>();
    for (const auto& m : models)
        if (auto st = validate_id(m, "model"); !st) throw UsageError("--model: " + st.error().message);
    if (all && (!devices.empty() || !models.empty()))
        throw UsageError("--all excludes --device, --devices-file and --model");
    if (!all && devices.empty() && models.empty())
        throw UsageError(devices_file.empty() ? "campaign create needs --all, --model, --device or --devices-file"
                                              : "no device id in " + devices_file);
    if (mode != "pull" && mode != "push") throw UsageError("--mode must be pull or push");
    if (asap && (!update_at.empty() || !transmit_at.empty()))
        throw UsageError("--asap excludes --update-at and --transmit-at");
    if (!transmit_at.empty() && mode != "push") throw UsageError("--transmit-at needs --mode push");
    if (expires_at == "now") throw UsageError("--expires-at: an expiry of now is already past");

    CampaignCreateArgs a;
    a.all = all;
    a.devices = devices;
    a.models = models;
    a.firmware = firmware;
    if (vm.count("retries")) {
        if (vm["retries"].as<unsigned>() > kMaxRetries) throw UsageError("--retries is at most 20");
        a.retry.max_retries = vm["retries"].as<unsigned>();
    }
    for (auto [option, dst] :
         {std::pair{"retry-backoff", &a.retry.backoff}, std::pair{"power-on-timeout", &a.retry.power_on_timeout}}) {
        if (!vm.count(option)) continue;
        auto d = parse_duration(vm[option].as<std::string>());
        if (!d || d->count() <= 0)
            throw UsageError(std::string("--") + option + " must be a positive duration like 5s");
        *dst = *d;
    }
    for (auto [text, option, at, in] : {std::tuple{&update_at, "update-at", &a.update_at, &a.update_in},
                                        std::tuple{&transmit_at, "transmit-at", &a.transmit_at, &a.transmit_in},
                                        std::tuple{&expires_at, "expires-at", &a.expires_at, &a.expires_in}}) {
        if (text->empty()) continue;
        auto t = time_arg(*text, option);
        if (t.at) *at = t.at;
        if (t.in) *in = t.in;
    }
    a.failure_threshold = failure_threshold_arg(vm);
    a.limits.max_per_minute = limit_arg(vm, "max-per-minute");
    a.limits.max_concurrent_per_gateway = limit_arg(vm, "max-concurrent-per-gateway");
    a.waves = waves_arg(vm);
    a.asap = asap;
    a.mode = mode == "push" ? TransferMode::Push : TransferMode::Pull;
    if (!campaign.empty()) a.campaign = campaign;
    a.dry_run = vm["dry-run"].as<bool>();

    auto client = connect(g);
    if (!client) return 1;
    int failed = 1;
    auto data = call(*client, "campaign_create", json_object(a), failed);
    if (!data) return failed;
    if (g.json) return print_json(*data), 0;
    auto c = typed_answer(campaign_created_from_json(data->get()));
    if (!c) return 1;
    std::cout << c->campaign << (c->dry_run ? " (dry run: nothing was created)" : "") << '\n'
              << "targets: " << c->targets << '\n'
              << "mode: " << to_string(c->mode) << '\n';
    if (c->preparing)
        std::cout << "preparing: " << *c->preparing
                  << " delta(s) or compressed image(s) being made; the schedules go out when they are "
                     "(campaign list shows the state)\n";
    if (c->transmit_at) std::cout << "transmit at: " << format_time(*c->transmit_at) << '\n';
    std::cout << "update at: " << format_time(c->update_at) << '\n';
    if (c->expires_at) std::cout << "expires at: " << format_time(*c->expires_at) << '\n';
    std::cout << "expected end: " << format_time(c->expected_end) << '\n';
    if (const auto& t = c->failure_threshold) {
        std::string results;
        for (auto s : t->failure_states)
            results += (results.empty() ? "" : ",") + std::string(job_rules::result_label(s));
        std::cout << "failure threshold: " << t->limit_text() << " of " << results << ", then "
                  << to_string(t->on_failure) << '\n';
    }
    if (c->limits.max_per_minute) std::cout << "max per minute: " << *c->limits.max_per_minute << '\n';
    if (c->limits.max_concurrent_per_gateway)
        std::cout << "max concurrent per gateway: " << *c->limits.max_concurrent_per_gateway << '\n';
    if (const auto& w = c->waves) {
        std::string counts;
        for (auto n : c->wave_counts) counts += (counts.empty() ? "" : ",") + std::to_string(n);
        std::cout << "waves: " << w->sizes_text() << " = " << counts << " targets; success " << w->success_percent
                  << "%, soak " << static_cast<double>(w->soak.count()) / 1000.0 << "s\n";
    }
    for (const auto& note : c->notes) std::cout << "note: " << note << '\n';
    std::cout << "skipped: " << c->skipped.size() << '\n';
    Table t({"  DEVICE", "REASON"});
    for (const auto& s : c->skipped) t.add({"  " + s.device, s.reason});
    if (!c->skipped.empty()) t.print(std::cout);
    return 0;
}

int results(const GlobalOptions& g, const std::vector<std::string>& args) {
    std::string campaign;
    double wait_s = -1;
    po::options_description desc("results CAMPAIGN");
    desc.add_options()("campaign", po::value(&campaign)->required(), "campaign id")(
        "wait-complete", po::value(&wait_s), "poll until no target is pending, at most SECONDS");
    po::positional_options_description pos;
    pos.add("campaign", 1);
    parse(args, desc, pos);
    auto st = validate_id(campaign, "campaign");
    if (!st) throw UsageError(st.error().message);
    auto a = json_object(ResultsArgs{campaign, PageArgs{}, false, std::nullopt});

    auto client = connect(g);
    if (!client) return 1;
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(static_cast<std::int64_t>(std::max(0.0, wait_s) * 1000));
    if (wait_s >= 0) {
        // Poll the summary only (no rows) until nothing is pending.
        auto poll = json_object(ResultsArgs{campaign, PageArgs{0, 0}, false, std::nullopt});
        auto summary = call_typed(*client, "results", poll, results_answer_from_json);
        while (summary && summary->pending > 0 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(kPollInterval);
            summary = call_typed(*client, "results", poll, results_answer_from_json);
        }
        if (!summary) return 1;
    }
    // Then every page of rows, gathered into one document.
    auto data = call_all_pages(*client, "results", a);
    if (!data) return 1;
    auto r = typed_answer(results_answer_from_json(data->get()));
    if (!r) return 1;
    if (g.json) {
        print_json(*data);
    } else {
        std::map<std::string, std::string> windows;  // issue 16 item 5: each gateway's next window
        if (auto list = call_typed(*client, "gateway_list", Json::object(), gateway_list_answer_from_json))
            for (const auto& row : list->gateways)
                if (row.window) windows[row.gateway] = window_cell(row.window);
        print_results_by_gateway(*r, windows);
    }
    if (wait_s < 0) return 0;
    const auto& s = r->summary.counts;
    // Success: every target that was not canceled (R15) completed.
    bool all_completed =
        s.at(std::string(job_rules::kResultCompleted)) + s.at(std::string(job_rules::kResultCanceled)) ==
        r->summary.total;
    if (!all_completed && !g.json)
        std::cerr << "fleetcast: campaign " << campaign << " has not completed on every target that was not canceled\n";
    return all_completed ? 0 : 1;
}

}  // namespace

int run_command(const GlobalOptions& g, const std::string& command, const std::vector<std::string>& args) {
    auto rest = args.empty() ? args : std::vector<std::string>(args.begin() + 1, args.end());
    const std::string sub = args.empty() ? "" : args.front();
    if (command == "keygen") return keygen(args);
    if (command == "firmware" && sub == "add") return firmware_add(g, rest);
    if (command == "firmware" && sub == "delete") return firmware_delete(g, rest);
    if (command == "firmware" && sub == "list") return no_options(rest, "firmware list"), firmware_list(g);
    if (command == "devices") return no_options(args, "devices"), list_devices(g);
    if (command == "gateways") return no_options(args, "gateways"), list_gateways(g);
    if (command == "rates") return no_options(args, "rates"), list_rates(g);
    if (command == "campaign" && sub == "create") return campaign_create(g, rest);
    if (command == "results") return results(g, args);
    if (command == "status") return status_command(g, args);
    if (command == "targets") return targets_command(g, args);
    if (command == "unregistered") return unregistered_command(g, args);
    if (command == "gateway" && sub == "set-window") return set_window_command(g, rest);
    if (command == "gateway" && sub == "clear-window") return clear_window_command(g, rest);
    if (command == "gateway") return gateway_command(g, args);
    if (command == "campaign" && sub == "watch") return campaign_watch_command(g, rest);
    if (command == "campaign" && sub == "list") return campaign_list_command(g, rest);
    if (command == "campaign" && sub == "pause") return campaign_control_command(g, rest, CampaignAction::Pause);
    if (command == "campaign" && sub == "resume") return campaign_control_command(g, rest, CampaignAction::Resume);
    if (command == "campaign" && sub == "cancel") return campaign_control_command(g, rest, CampaignAction::Cancel);
    if (command == "defer") return defer_command(g, args);
    if (command == "cancel") return cancel_command(g, args);
    if (command == "suspend") return suspend_command(g, args, true);
    if (command == "resume") return suspend_command(g, args, false);
    if (command == "device" && sub == "set-param") return set_param_command(g, rest);
    if (command == "audit") return audit_command(g, args);
    throw UsageError("unknown command '" + command + (sub.empty() ? "" : " " + sub) + "'");
}

}  // namespace fleetcast::cli
