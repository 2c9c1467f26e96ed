#include "manager/operator_api.hpp"

#include <algorithm>

#include "common/operator_upload.hpp"

#include <set>

#include "common/log.hpp"
#include "common/operator_views.hpp"
#include "common/topics.hpp"
#include "manager/campaign_planner.hpp"
#include "manager/dashboard_views.hpp"
#include "manager/link_bytes.hpp"
#include "manager/results_view.hpp"
#include "manager/schedule_planner.hpp"
#include "manager/status_views.hpp"
#include "manager/wave_evaluation.hpp"
#include "manager/wave_guard.hpp"
#include "manager/wave_members.hpp"

namespace fleetcast::manager {

namespace {

cJSON* manifest_item(const FirmwareManifest& m) {
    cJSON* item = cJSON_CreateObject();
    to_json(item, m);
    return item;
}

Json manifest_data(const FirmwareManifest& m) {
    Json data(manifest_item(m));
    return data;
}

std::string skipped_summary(const std::vector<SkippedDevice>& skipped) {
    std::string out;
    std::size_t shown = 0;
    for (const auto& s : skipped) {
        if (shown++ == 10) {
            out += ", ... (" + std::to_string(skipped.size()) + " in all)";
            break;
        }
        out += (out.empty() ? "" : ", ") + s.device + " " + s.reason;
    }
    return out;
}

}  // namespace

OperatorApi::OperatorApi(ManagerStore& store, FirmwareRepository& repo, FirmwareUploads& uploads,
                         SchedulePublisher& schedules, CampaignControl& control, CampaignPreparer& preparer,
                         Transport& transport, Clock& clock, std::uint64_t page_limit)
    : store_(store),
      repo_(repo),
      uploads_(uploads),
      schedules_(schedules),
      control_(control),
      preparer_(preparer),
      transport_(transport),
      clock_(clock),
      page_limit_(std::clamp<std::uint64_t>(page_limit, 1, kResultsPageMax)),
      windows_(store, transport, clock),
      random_(std::random_device{}()) {}

namespace {
// Decodes the op's typed args, then runs it.
template <typename Args, typename Run>
Expected<Json> with_args(Expected<Args> (*decode)(const cJSON*), const cJSON* args, Run run) {
    auto a = decode(args);
    if (!a) return a.error();
    return run(*a);
}
// A typed answer as the response data.
template <typename Answer>
Expected<Json> answer(const Expected<Answer>& a) {
    if (!a) return a.error();
    return json_object(*a);
}
}  // namespace

Expected<Json> OperatorApi::handle(const OperatorRequest& req, const std::string& identity, const std::string& client) {
    auto op = operator_op_from_string(req.op);
    if (!op) return op.error();
    if (changes_fleet(*op, req.args.get())) return audited(*op, req, identity, client);
    return dispatch(*op, req);
}

Expected<Json> OperatorApi::dispatch(OperatorOp op, const OperatorRequest& req) {
    const cJSON* args = req.args.get();
    const auto& id = req.req_id;
    switch (op) {
        case OperatorOp::FirmwareAdd:
            return with_args(firmware_add_args_from_json, args, [&](const auto& a) { return firmware_add(a); });
        case OperatorOp::FirmwareUploadBegin:
            return with_args(firmware_upload_begin_args_from_json, args,
                             [&](const auto& a) { return answer(uploads_.begin(a)); });
        case OperatorOp::FirmwareUploadPiece:
            return with_args(firmware_upload_piece_args_from_json, args,
                             [&](const auto& a) { return answer(uploads_.append(a)); });
        case OperatorOp::FirmwareUploadCommit:
            return with_args(firmware_upload_commit_args_from_json, args,
                             [&](const auto& a) { return firmware_upload_commit(a); });
        case OperatorOp::FirmwareList: return firmware_list();
        case OperatorOp::FirmwareDelete:
            return with_args(firmware_args_from_json, args, [&](const auto& a) { return firmware_delete(a); });
        case OperatorOp::DeviceList: return device_list();
        case OperatorOp::GatewayList: return gateway_list();
        case OperatorOp::RateList: return rate_list();
        case OperatorOp::CampaignCreate:
            return with_args(campaign_create_args_from_json, args, [&](const auto& a) { return campaign_create(a); });
        case OperatorOp::Results:
            return with_args(results_args_from_json, args, [&](ResultsArgs a) {
                a.page.limit = std::min(a.page.limit, page_limit_);
                return results(a);
            });
        case OperatorOp::DeviceStatus:
            return with_args(device_args_from_json, args,
                             [&](const auto& a) { return device_status_view(store_, a, clock_.now()); });
        case OperatorOp::Targets:
            return with_args(targets_args_from_json, args, [&](TargetsArgs a) {
                a.page.limit = std::min(a.page.limit, page_limit_);
                return targets_view(store_, a);
            });
        case OperatorOp::Unregistered:
            return with_args(campaign_args_from_json, args,
                             [&](const auto& a) { return unregistered_view(store_, a); });
        case OperatorOp::Defer:
            return with_args(defer_args_from_json, args, [&](const auto& a) { return defer(id, a); });
        case OperatorOp::Cancel:
            return with_args(device_args_from_json, args, [&](const auto& a) { return cancel(id, a); });
        case OperatorOp::Suspend:
        case OperatorOp::Resume:
            return with_args(device_args_from_json, args,
                             [&](const auto& a) { return suspend(id, a, op == OperatorOp::Suspend); });
        case OperatorOp::SetParam:
            return with_args(set_param_args_from_json, args, [&](const auto& a) { return set_param(id, a); });
        case OperatorOp::CampaignList:
            return with_args(campaign_list_args_from_json, args,
                             [&](const auto& a) { return campaign_list_view(store_, control_, a); });
        case OperatorOp::CampaignPause:
        case OperatorOp::CampaignResume:
        case OperatorOp::CampaignCancel: {
            const auto action = op == OperatorOp::CampaignPause    ? CampaignAction::Pause
                                : op == OperatorOp::CampaignResume ? CampaignAction::Resume
                                                                   : CampaignAction::Cancel;
            return with_args(campaign_control_args_from_json, args,
                             [&](const auto& a) { return control_.command(id, action, a); });
        }
        case OperatorOp::DeviceDetail:
            return with_args(device_args_from_json, args, [&](const auto& a) { return device_detail_view(store_, a); });
        case OperatorOp::GatewayTable:
            return with_args(gateway_args_from_json, args,
                             [&](const auto& a) { return gateway_table_view(store_, a); });
        case OperatorOp::GatewaySetWindow:
            return with_args(gateway_window_args_from_json, args, [&](const auto& a) { return windows_.set(a); });
        case OperatorOp::GatewayClearWindow:
            return with_args(gateway_args_from_json, args, [&](const auto& a) { return windows_.clear(a); });
        case OperatorOp::Audit:
            return with_args(audit_args_from_json, args, [&](const auto& a) { return audit_view(a); });
    }
    return make_error("bad_args", "unknown op '" + req.op + "'");
}

Expected<Json> OperatorApi::firmware_add(const FirmwareAddArgs& args) {
    FirmwareAddRequest req;
    req.path = args.path;
    req.model = args.model;
    req.component = args.component;
    req.version = args.version;
    if (args.chunk_size) req.chunk_size = *args.chunk_size;
    req.allow_downgrade = args.allow_downgrade;
    return add_image(req);
}

Expected<Json> OperatorApi::firmware_upload_commit(const FirmwareUploadCommitArgs& args) {
    auto complete = uploads_.complete(args.upload);
    if (!complete) return complete.error();
    FirmwareAddArgs image = complete->meta.image;
    image.path = complete->file.string();
    auto added = firmware_add(image);
    if (!added) return added.error();  // the upload stays: a commit can be tried again
    uploads_.remove(args.upload);
    log_info("manager", "firmware_uploaded").kv("upload", args.upload).kv("size", complete->meta.size);
    return added;
}

Expected<Json> OperatorApi::add_image(const FirmwareAddRequest& req) {
    auto m = repo_.add(req);
    if (!m) return m.error();
    auto st = transport_.publish(topics::fw_manifest(m->fw_id), encode(*m), true);
    if (!st) return st.error();
    log_info("manager", "firmware_added")
        .kv("fw", m->fw_id)
        .kv("model", m->model)
        .kv("component", m->component)
        .kv("version", m->version)
        .kv("size", m->size)
        .kv("chunks", m->chunk_count);
    return manifest_data(*m);
}

Expected<Json> OperatorApi::firmware_list() {
    auto all = store_.list_firmware();
    if (!all) return all.error();
    auto uses = store_.firmware_uses();
    if (!uses) return uses.error();
    FirmwareListAnswer a;
    for (const auto& r : *all) {
        FirmwareListRow row{r.manifest, r.added_at, {}};
        if (auto it = uses->find(r.manifest.fw_id); it != uses->end())
            for (const auto& u : it->second) row.campaigns.push_back(u.campaign);
        a.firmware.push_back(std::move(row));
    }
    auto given_up = store_.given_up_encodings();  // issue 17 follow-up
    if (!given_up) return given_up.error();
    for (const auto& g : *given_up)
        a.given_up.push_back(
            GivenUpArtifact{g.source_fw, g.source_version, g.target_fw, g.reason, g.bytes, g.image_bytes, g.at});
    return json_object(a);
}

Expected<Json> OperatorApi::firmware_delete(const FirmwareArgs& args) {
    auto m = repo_.find(args.fw);
    if (!m) return m.error();
    if (!*m) return make_error("not_found", "unknown firmware " + args.fw);
    auto uses = store_.firmware_uses();
    if (!uses) return uses.error();
    // Refused while a campaign that can still send it (preparing, active or paused) uses it.
    std::string using_it;
    for (const auto& u : (*uses)[args.fw])
        if (u.state == kCampaignActive || u.state == kCampaignPaused || !schedules_sent(u.state))
            using_it += (using_it.empty() ? "" : ", ") + u.campaign + " (" + u.state + ")";
    if (!using_it.empty())
        return make_error("in_use", "firmware " + args.fw + " is used by campaign " + using_it +
                                        "; cancel it or wait until it ended");
    auto st = store_.delete_firmware(args.fw);
    if (!st) return st.error();
    // The retained manifest goes too: nothing offers the image any more.
    st = transport_.publish(topics::fw_manifest(args.fw), "", true);
    if (!st) return st.error();
    FirmwareDeleted answer{args.fw, (*m)->sha256, false};
    auto all = store_.list_firmware();
    if (!all) return all.error();
    const bool shared = std::any_of(all->begin(), all->end(),
                                    [&](const FirmwareRecord& r) { return r.manifest.sha256 == (*m)->sha256; });
    if (!shared) {
        std::error_code ec;
        answer.image_removed = std::filesystem::remove(repo_.image_path(**m), ec);
    }
    log_info("manager", "firmware_deleted")
        .kv("fw", args.fw)
        .kv("sha256", (*m)->sha256)
        .kv("image_removed", answer.image_removed ? "yes" : "no");
    return json_object(answer);
}

Expected<Json> OperatorApi::device_list() {
    auto all = store_.list_devices();
    if (!all) return all.error();
    auto params = store_.deferments();
    if (!params) return params.error();
    DeviceListAnswer a;
    for (const auto& d : *all) {
        auto row = device_row(d);
        if (auto it = params->find(d.id); it != params->end()) row.deferment = it->second;
        a.devices.push_back(std::move(row));
    }
    return json_object(a);
}

Expected<Json> OperatorApi::gateway_list() {
    auto all = store_.list_gateways();
    if (!all) return all.error();
    auto windows = store_.gateway_windows();  // issue 16 item 5: the next window
    if (!windows) return windows.error();
    GatewayListAnswer a;
    for (const auto& g : *all) {
        GatewayRow row{g.id, g.status, g.last_seen, std::nullopt};
        if (auto w = windows->find(g.id); w != windows->end()) row.window = window_view(g.id, w->second, clock_.now());
        a.gateways.push_back(std::move(row));
    }
    return json_object(a);
}

Expected<Json> OperatorApi::rate_list() {
    auto all = store_.list_rates();
    if (!all) return all.error();
    RateListAnswer a;
    for (const auto& r : *all)
        a.rates.push_back(
            {r.gateway, r.device, r.bytes, r.millis, static_cast<std::uint64_t>(r.bytes_per_second()), r.source, r.at});
    return json_object(a);
}

Expected<TimePlan> OperatorApi::plan_campaign_times(const CampaignCreateArgs& spec, const CampaignPlan& plan,
                                                    const std::vector<FirmwareManifest>& manifests) {
    std::map<std::string, std::uint64_t> size;
    for (const auto& m : manifests) size[m.fw_id] = m.size;
    std::map<std::string, GatewayLoad> loads;
    std::map<std::string, std::set<std::string>> images;  // gateway -> fw ids it must receive
    for (const auto& t : plan.targets) {
        auto& load = loads[t.gateway];
        load.gateway = t.gateway;
        for (const auto& fw : t.fw_ids) {
            load.device_bytes[t.device] += size[fw];
            if (images[t.gateway].insert(fw).second) load.download_bytes += size[fw];
        }
    }
    auto windows = store_.gateway_windows();  // issue 16 item 5
    if (!windows) return windows.error();
    std::vector<GatewayLoad> list;
    for (auto& [gw, l] : loads) {
        if (auto w = windows->find(gw); w != windows->end())
            if (auto parsed = parse_window(w->second.window, w->second.tz)) l.window = *parsed;
        if (auto share = plan.campaign.gateway_limits.find(gw); share != plan.campaign.gateway_limits.end())
            l.limits = share->second;
        list.push_back(std::move(l));
    }
    auto measured = store_.list_rates();
    if (!measured) return measured.error();
    RateTable rates;
    for (const auto& r : *measured) {
        if (r.device.empty()) rates.gateway[r.gateway] = r.bytes_per_second();
        else rates.device[{r.gateway, r.device}] = r.bytes_per_second();
    }
    TimeRequest req{spec.mode, spec.asap, spec.update_at, spec.transmit_at, spec.expires_at};
    return plan_times(req, clock_.now(), list, rates);
}

Expected<std::string> OperatorApi::new_campaign_id() {
    for (int attempt = 0; attempt < 16; ++attempt) {
        auto id = make_campaign_id(clock_.now(), static_cast<std::uint32_t>(random_()));
        auto existing = store_.find_campaign(id);
        if (!existing) return existing.error();
        if (!*existing) return id;
    }
    return make_error("internal", "could not find a free campaign id");
}

Expected<Json> OperatorApi::campaign_create(CampaignCreateArgs spec) {
    Expected<std::string> id = spec.campaign ? Expected<std::string>(*spec.campaign) : new_campaign_id();
    if (!id) return id.error();
    if (spec.campaign) {
        auto existing = store_.find_campaign(*id);
        if (!existing) return existing.error();
        if (*existing) return make_error("duplicate", "campaign " + *id + " already exists");
    }
    auto registry = store_.list_devices();
    if (!registry) return registry.error();
    auto firmware = store_.list_firmware();
    if (!firmware) return firmware.error();
    std::vector<FirmwareManifest> manifests;
    for (const auto& r : *firmware) manifests.push_back(r.manifest);

    resolve_relative_times(spec, clock_.now());
    auto plan = plan_campaign(spec, *id, clock_.now(), *registry, manifests);
    if (!plan) return plan.error();
    // Issue 16 item 4: each gateway's share of the rate limits, fixed now.
    plan->campaign.limits = spec.limits;
    if (spec.limits.any()) {
        std::map<std::string, std::uint64_t> per_gateway;
        for (const auto& t : plan->targets) ++per_gateway[t.gateway];
        plan->campaign.gateway_limits = share_limits(spec.limits, per_gateway);
    }
    auto times = plan_campaign_times(spec, *plan, manifests);
    if (!times) return times.error();
    plan->campaign.update_at = times->update_at;
    plan->campaign.transmit_at = times->transmit_at;
    plan->campaign.expires_at = times->expires_at;
    plan->campaign.expected_end = times->expected_end;
    plan->campaign.failure_threshold = spec.failure_threshold;
    if (plan->targets.empty())
        return make_error("no_targets", plan->skipped.empty()
                                            ? std::string("no device is registered yet")
                                            : "no device needs an update: " + skipped_summary(plan->skipped));
    if (spec.waves) {
        // Issue 16 item 2: the waves' sizes for these targets, and who is in which.
        auto counts = wave_counts(spec.waves->sizes, plan->targets.size());
        if (!counts) return counts.error();
        CampaignWaves w;
        w.plan = *spec.waves;
        w.seed = wave_seed((static_cast<std::uint64_t>(random_()) << 32) | random_());
        w.counts = std::move(*counts);
        const auto members = wave_members(wave_order(w.seed, plan->targets), w.counts);
        for (auto& t : plan->targets) t.wave = members.at(t.device);
        plan->campaign.waves = std::move(w);
    }
    CampaignCreated created{plan->campaign.id,
                            plan->targets.size(),
                            plan->campaign.mode,
                            plan->campaign.update_at,
                            plan->campaign.transmit_at,
                            plan->campaign.expires_at,
                            times->expected_end,
                            times->notes,
                            plan->campaign.retry,
                            plan->skipped,
                            plan->campaign.failure_threshold,
                            plan->campaign.limits,
                            std::nullopt,
                            {}};
    if (spec.dry_run) {  // issue 19 item 2: the planner's answer, shown before the operator confirms
        created.dry_run = true;
        if (const auto& w = plan->campaign.waves) {
            created.waves = w->plan;
            created.wave_counts = w->counts;
        }
        return json_object(created);
    }
    // Issue 17: the deltas from the versions the targets run, made once each,
    // before the schedules list them. Made off the loop (follow-up): a
    // campaign that wants any not made yet is stored preparing, its schedules
    // held until the worker has made or given up each (CampaignPreparer).
    auto wanted = preparer_.wanted(plan->targets, manifests);
    if (!wanted) return wanted.error();
    if (*wanted > 0) plan->campaign.state = std::string(kCampaignPreparing);
    std::vector<std::pair<std::string, std::string>> skipped_rows;
    for (const auto& s : plan->skipped) skipped_rows.emplace_back(s.device, s.reason);
    auto st = store_.insert_campaign(plan->campaign, plan->targets, skipped_rows);
    if (!st) return st.error();
    log_info("manager", "campaign_created")
        .kv("campaign", plan->campaign.id)
        .kv("mode", to_string(plan->campaign.mode))
        .kv("update_at", format_time(plan->campaign.update_at))
        .kv("transmit_at", plan->campaign.transmit_at ? format_time(*plan->campaign.transmit_at) : "-")
        .kv("expected_end", format_time(times->expected_end))
        .kv("download_ms", times->download.count())
        .kv("delivery_ms", times->delivery.count())
        .kv("targets", plan->targets.size())
        .kv("skipped", plan->skipped.size())
        .kv("state", plan->campaign.state)
        .kv("deltas_to_make", *wanted)
        .kv("max_per_minute", plan->campaign.limits.max_per_minute.value_or(0))
        .kv("max_concurrent_per_gateway", plan->campaign.limits.max_concurrent_per_gateway.value_or(0))
        .kv("waves", plan->campaign.waves ? plan->campaign.waves->plan.sizes_text() : std::string("-"))
        .kv("wave_seed", plan->campaign.waves ? plan->campaign.waves->seed : std::string("-"));
    for (const auto& s : plan->skipped)
        log_info("manager", "campaign_skipped")
            .kv("campaign", plan->campaign.id)
            .kv("device", s.device)
            .kv("reason", s.reason);
    if (*wanted == 0) {
        st = schedules_.publish(plan->campaign, plan->targets);
        if (!st) return st.error();
    } else {
        // Submits the work; an inline executor (unit tests) makes it all now and the schedules go out here.
        st = preparer_.poll();
        if (!st) {
            // Stored: the next tick's poll tries again.
            log_error("manager", "prepare_failed").kv("campaign", plan->campaign.id).kv("error", st.error().str());
        }
        auto now_stored = store_.find_campaign(plan->campaign.id);
        if (!now_stored) return now_stored.error();
        if (*now_stored && (*now_stored)->state == kCampaignPreparing) created.preparing = *wanted;
    }

    if (const auto& w = plan->campaign.waves) {
        created.waves = w->plan;
        created.wave_counts = w->counts;
        for (std::size_t i = 0; i < w->counts.size(); ++i)
            log_info("manager", "wave_planned")
                .kv("campaign", plan->campaign.id)
                .kv("wave", wave_text(static_cast<std::uint32_t>(i + 1), w->total()))
                .kv("targets", w->counts[i] - (i == 0 ? 0 : w->counts[i - 1]))
                .kv("open", i == 0);
    }
    return json_object(created);
}

Expected<Json> OperatorApi::results(const ResultsArgs& args) {
    const auto* id = &args.campaign;
    auto c = store_.find_campaign(*id);
    if (!c) return c.error();
    if (!*c) return make_error("not_found", "unknown campaign " + *id);
    // Paged: a campaign of 100,000 targets is ~30 MB of rows, far above the
    // broker's packet limit; the CLI asks page after page.
    const auto [offset, limit] = args.page;
    auto counts = store_.target_state_counts(*id);
    if (!counts) return counts.error();
    std::vector<TargetRecord> page;
    if (args.device) {
        // One target's row by its key, not by position: wherever it stands in
        // the pages, and whatever moved between two pages.
        auto t = store_.find_target(*id, *args.device);
        if (!t) return t.error();
        if (!*t) return make_error("not_found", "device " + *args.device + " is not a target of campaign " + *id);
        if (limit > 0) page.push_back(std::move(**t));
    } else if (limit > 0) {
        auto rows = store_.targets_page(*id, offset, limit);
        if (!rows) return rows.error();
        page = std::move(*rows);
    }
    // Moved by busy/defer (R13, R14): the page's rows only (issue 20: the
    // whole campaign's, read for every page, made a 1,000,000-target page slow).
    std::map<std::string, TimePoint> times;
    for (const auto& t : page) {
        auto at = store_.target_update_at(*id, t.device);
        if (!at) return at.error();
        if (*at) times.emplace(t.device, **at);
    }
    // Issue 16: scheduled, running, paused (with the reason), canceled or ended, and the last campaign command.
    auto control = control_.view(**c);
    if (!control) return control.error();
    auto answer = results_page(**c, page, offset, *counts, times, std::move(*control));
    if ((*c)->waves) {  // issue 16 item 2: the open wave and each wave's tally
        auto waves = wave_view(store_, **c, true);
        if (!waves) return waves.error();
        answer.wave = std::move(*waves);
    }
    if (offset == 0 && limit > 0 && !args.device) {
        // Issue 17 item 7: bytes per link, on the first page of rows only (the
        // CLI keeps the first page's fields; a summary poll and later pages
        // skip the scan of every target's images).
        auto links = campaign_link_bytes(store_, *id);
        if (!links) return links.error();
        answer.links = std::move(*links);
    }
    if (args.by_gateway) {
        // `campaign watch`: one bar per gateway over every target, without the rows.
        auto by_gw = store_.target_progress_by_gateway(*id);
        if (!by_gw) return by_gw.error();
        answer.gateways.emplace();
        for (const auto& [gw, p] : *by_gw)
            answer.gateways->push_back(
                GatewayProgress{gw, p.total, p.ended, p.total ? p.progress_sum / p.total : std::uint64_t{0}});
    }
    return json_object(answer);
}

}  // namespace fleetcast::manager
