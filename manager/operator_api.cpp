#include "manager/operator_api.hpp"

#include <set>

#include "common/log.hpp"
#include "common/topics.hpp"
#include "manager/campaign_planner.hpp"
#include "manager/dashboard_views.hpp"
#include "manager/results_view.hpp"
#include "manager/status_views.hpp"
#include "manager/schedule_planner.hpp"

namespace fleetcast::manager {

namespace {

bool has(const cJSON* obj, const char* key) {
    const cJSON* f = cJSON_GetObjectItemCaseSensitive(obj, key);
    return f && !cJSON_IsNull(f);
}

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

OperatorApi::OperatorApi(ManagerStore& store, FirmwareRepository& repo, SchedulePublisher& schedules,
                         Transport& transport, Clock& clock)
    : store_(store),
      repo_(repo),
      schedules_(schedules),
      transport_(transport),
      clock_(clock),
      random_(std::random_device{}()) {}

Expected<Json> OperatorApi::handle(const OperatorRequest& req) {
    const cJSON* args = req.args.get();
    Expected<Json> data = make_error("bad_args", "unknown op '" + req.op +
                                                     "' (firmware_add, firmware_list, device_list, gateway_list, "
                                                     "rate_list, campaign_create, results, defer, cancel, suspend, resume, "
                                                     "set_param, " +
                                                     std::string(kDashboardViewOps) + ", " + std::string(kStatusViewOps) + ")");
    if (req.op == "firmware_add")
        data = firmware_add(args);
    else if (req.op == "firmware_list")
        data = firmware_list();
    else if (req.op == "device_list")
        data = device_list();
    else if (req.op == "gateway_list")
        data = gateway_list();
    else if (req.op == "rate_list")
        data = rate_list();
    else if (req.op == "campaign_create")
        data = campaign_create(args);
    else if (req.op == "results")
        data = results(args);
    else if (req.op == "defer" || req.op == "device_defer")  // device_defer: the dashboard's name
        data = defer(req.req_id, args);
    else if (req.op == "cancel" || req.op == "device_cancel")
        data = cancel(req.req_id, args);
    else if (req.op == "suspend" || req.op == "device_suspend")
        data = suspend(req.req_id, args, true);
    else if (req.op == "resume" || req.op == "device_resume")
        data = suspend(req.req_id, args, false);
    else if (req.op == "set_param")
        data = set_param(req.req_id, args);
    else if (auto view = dashboard_view(store_, req.op, args))
        data = std::move(*view);
    else if (auto status = status_view(store_, req.op, args, clock_.now()))
        data = std::move(*status);
    return data;
}

Expected<Json> OperatorApi::firmware_add(const cJSON* args) {
    FirmwareAddRequest req;
    auto path = json::get_string(args, "path", 4096);
    if (!path) return path.error();
    req.path = *path;
    for (auto [key, dst] : {std::pair{"model", &req.model}, std::pair{"component", &req.component}}) {
        auto id = json::get_id(args, key, key);
        if (!id) return id.error();
        *dst = *id;
    }
    auto version = json::get_version(args, "version");
    if (!version) return version.error();
    req.version = *version;
    if (has(args, "chunk_size")) {
        auto cs = json::get_uint(args, "chunk_size", kMaxChunkSize);
        if (!cs) return cs.error();
        req.chunk_size = static_cast<std::uint32_t>(*cs);
    }
    if (has(args, "allow_downgrade")) {
        auto ad = json::get_bool(args, "allow_downgrade");
        if (!ad) return ad.error();
        req.allow_downgrade = *ad;
    }
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
    auto data = Json::object();
    cJSON* arr = cJSON_AddArrayToObject(data.get(), "firmware");
    for (const auto& r : *all) {
        cJSON* item = manifest_item(r.manifest);
        json::put(item, "added_at", r.added_at);
        cJSON_AddItemToArray(arr, item);
    }
    return data;
}

Expected<Json> OperatorApi::device_list() {
    auto all = store_.list_devices();
    if (!all) return all.error();
    auto params = store_.deferments();
    if (!params) return params.error();
    auto data = Json::object();
    cJSON* arr = cJSON_AddArrayToObject(data.get(), "devices");
    for (const auto& d : *all) {
        cJSON* item = cJSON_CreateObject();
        put_device_fields(item, d);
        if (auto it = params->find(d.id); it != params->end()) put_deferment(item, "deferment", it->second);
        cJSON_AddItemToArray(arr, item);
    }
    return data;
}

Expected<Json> OperatorApi::gateway_list() {
    auto all = store_.list_gateways();
    if (!all) return all.error();
    auto data = Json::object();
    cJSON* arr = cJSON_AddArrayToObject(data.get(), "gateways");
    for (const auto& g : *all) {
        cJSON* item = cJSON_CreateObject();
        json::put(item, "gateway", g.id);
        json::put(item, "status", g.status);
        json::put(item, "last_seen", g.last_seen);
        cJSON_AddItemToArray(arr, item);
    }
    return data;
}

Expected<Json> OperatorApi::rate_list() {
    auto all = store_.list_rates();
    if (!all) return all.error();
    auto data = Json::object();
    cJSON* arr = cJSON_AddArrayToObject(data.get(), "rates");
    for (const auto& r : *all) {
        cJSON* item = cJSON_CreateObject();
        json::put(item, "gateway", r.gateway);
        json::put(item, "link", r.device.empty() ? "manager" : "device");
        if (!r.device.empty()) json::put(item, "device", r.device);
        json::put(item, "bytes", r.bytes);
        json::put(item, "millis", r.millis);
        json::put(item, "bytes_per_s", static_cast<std::uint64_t>(r.bytes_per_second()));
        json::put(item, "source", r.source);
        json::put(item, "at", r.at);
        cJSON_AddItemToArray(arr, item);
    }
    return data;
}

Expected<TimePlan> OperatorApi::plan_campaign_times(const CampaignSpec& spec, const CampaignPlan& plan,
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
    std::vector<GatewayLoad> list;
    for (auto& [gw, l] : loads) list.push_back(std::move(l));
    auto measured = store_.list_rates();
    if (!measured) return measured.error();
    RateTable rates;
    for (const auto& r : *measured) {
        if (r.device.empty())
            rates.gateway[r.gateway] = r.bytes_per_second();
        else
            rates.device[{r.gateway, r.device}] = r.bytes_per_second();
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

Expected<Json> OperatorApi::campaign_create(const cJSON* args) {
    auto spec = campaign_spec_from_json(args);
    if (!spec) return spec.error();
    Expected<std::string> id = spec->campaign ? Expected<std::string>(*spec->campaign) : new_campaign_id();
    if (!id) return id.error();
    if (spec->campaign) {
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

    resolve_relative_times(*spec, clock_.now());
    auto plan = plan_campaign(*spec, *id, clock_.now(), *registry, manifests);
    if (!plan) return plan.error();
    auto times = plan_campaign_times(*spec, *plan, manifests);
    if (!times) return times.error();
    plan->campaign.update_at = times->update_at;
    plan->campaign.transmit_at = times->transmit_at;
    plan->campaign.expires_at = times->expires_at;
    plan->campaign.expected_end = times->expected_end;
    if (plan->targets.empty())
        return make_error("no_targets", plan->skipped.empty()
                                            ? std::string("no device is registered yet")
                                            : "no device needs an update: " + skipped_summary(plan->skipped));
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
        .kv("skipped", plan->skipped.size());
    for (const auto& s : plan->skipped)
        log_info("manager", "campaign_skipped")
            .kv("campaign", plan->campaign.id)
            .kv("device", s.device)
            .kv("reason", s.reason);
    st = schedules_.publish(plan->campaign, plan->targets);
    if (!st) return st.error();

    auto data = Json::object();
    json::put(data.get(), "campaign", plan->campaign.id);
    json::put(data.get(), "targets", static_cast<std::uint64_t>(plan->targets.size()));
    json::put(data.get(), "mode", to_string(plan->campaign.mode));
    json::put(data.get(), "update_at", plan->campaign.update_at);
    json::put(data.get(), "transmit_at", plan->campaign.transmit_at);
    json::put(data.get(), "expires_at", plan->campaign.expires_at);
    json::put(data.get(), "expected_end", times->expected_end);
    json::put(data.get(), "notes", times->notes);
    cJSON* retry = cJSON_AddObjectToObject(data.get(), "retry");
    json::put(retry, "max", std::uint64_t{plan->campaign.retry.max_retries});
    json::put(retry, "backoff_ms", static_cast<std::uint64_t>(plan->campaign.retry.backoff.count()));
    json::put(retry, "power_on_timeout_ms", static_cast<std::uint64_t>(plan->campaign.retry.power_on_timeout.count()));
    cJSON* skipped = cJSON_AddArrayToObject(data.get(), "skipped");
    for (const auto& s : plan->skipped) {
        cJSON* item = cJSON_CreateObject();
        json::put(item, "device", s.device);
        json::put(item, "reason", s.reason);
        cJSON_AddItemToArray(skipped, item);
    }
    return data;
}

Expected<Json> OperatorApi::results(const cJSON* args) {
    auto id = json::get_id(args, "campaign", "campaign");
    if (!id) return id.error();
    auto c = store_.find_campaign(*id);
    if (!c) return c.error();
    if (!*c) return make_error("not_found", "unknown campaign " + *id);
    // Paged: a campaign of 100,000 targets is ~30 MB of rows, far above the
    // broker's packet limit; the CLI asks page after page.
    auto paging = page_args(args);
    if (!paging) return paging.error();
    const auto [offset, limit] = *paging;
    auto counts = store_.target_state_counts(*id);
    if (!counts) return counts.error();
    std::vector<TargetRecord> page;
    if (limit > 0) {
        auto rows = store_.targets_page(*id, offset, limit);
        if (!rows) return rows.error();
        page = std::move(*rows);
    }
    auto times = store_.target_update_times(*id);  // moved by busy/defer (R13, R14)
    if (!times) return times.error();
    auto data = results_page_json(**c, page, offset, *counts, *times);
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(args, "by_gateway"))) {
        // `campaign watch`: one bar per gateway over every target, without the rows.
        auto by_gw = store_.target_progress_by_gateway(*id);
        if (!by_gw) return by_gw.error();
        cJSON* gws = cJSON_AddArrayToObject(data.get(), "gateways");
        for (const auto& [gw, p] : *by_gw) {
            cJSON* item = cJSON_CreateObject();
            json::put(item, "gateway", gw);
            json::put(item, "total", p.total);
            json::put(item, "ended", p.ended);
            json::put(item, "progress", p.total ? p.progress_sum / p.total : std::uint64_t{0});
            cJSON_AddItemToArray(gws, item);
        }
    }
    return data;
}

}  // namespace fleetcast::manager
