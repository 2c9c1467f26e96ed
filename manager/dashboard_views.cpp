#include "manager/dashboard_views.hpp"

#include <algorithm>
#include <map>

#include "manager/results_view.hpp"

namespace fleetcast::manager {

namespace {

inline constexpr std::uint64_t kDefaultCampaignLimit = 50;
inline constexpr std::uint64_t kMaxCampaignLimit = 1000;

// Every campaign, newest first. The store lists campaigns by state; these are
// the states it knows.
Expected<std::vector<CampaignRecord>> all_campaigns(ManagerStore& store) {
    std::vector<CampaignRecord> out;
    for (auto state : {kCampaignActive, kCampaignEnded}) {
        auto some = store.campaigns_in_state(state);
        if (!some) return some.error();
        out.insert(out.end(), some->begin(), some->end());
    }
    std::sort(out.begin(), out.end(), [](const CampaignRecord& a, const CampaignRecord& b) {
        return a.created_at != b.created_at ? a.created_at > b.created_at : a.id > b.id;
    });
    return out;
}

void put_campaign_times(cJSON* o, const CampaignRecord& c) {
    json::put(o, "update_at", c.update_at);
    json::put(o, "transmit_at", c.transmit_at);
    json::put(o, "expires_at", c.expires_at);
}

// Update still needed (Fig. 24): yes until the job has ended.
std::string_view necessity(JobState s) { return is_terminal(s) ? "NO" : "YES"; }

void put_target(cJSON* row, const TargetRecord& t) {
    json::put(row, "state", to_string(t.state));
    json::put(row, "result", result_label(t.state));
    json::put(row, "necessity", necessity(t.state));
    json::put(row, "progress", static_cast<std::uint64_t>(t.progress));
    json::put(row, "old", t.old_versions);
    json::put(row, "new", t.new_versions);
    json::put(row, "detail", t.detail);
    json::put(row, "suspended", t.suspended);
    json::put(row, "started_at", t.started_at);
    json::put(row, "ended_at", t.ended_at);
}

}  // namespace

void put_device_fields(cJSON* o, const DeviceRecord& d) {
    json::put(o, "device", d.id);
    json::put(o, "gateway", d.gateway);
    json::put(o, "model", d.model);
    json::put(o, "status", d.status);
    json::put(o, "firmware", d.firmware);
    json::put(o, "last_seen", d.last_seen);
}

std::optional<Expected<Json>> dashboard_view(ManagerStore& store, const std::string& op, const cJSON* args) {
    if (op == "campaign_list") return campaign_list_view(store, args);
    if (op == "device_detail") return device_detail_view(store, args);
    if (op == "gateway_table") return gateway_table_view(store, args);
    return std::nullopt;
}

Expected<Json> campaign_list_view(ManagerStore& store, const cJSON* args) {
    std::uint64_t limit = kDefaultCampaignLimit;
    if (cJSON_GetObjectItemCaseSensitive(args, "limit")) {
        auto l = json::get_uint(args, "limit", kMaxCampaignLimit);
        if (!l) return l.error();
        limit = *l;
    }
    auto campaigns = all_campaigns(store);
    if (!campaigns) return campaigns.error();
    auto data = Json::object();
    cJSON* arr = cJSON_AddArrayToObject(data.get(), "campaigns");
    for (const auto& c : *campaigns) {
        if (cJSON_GetArraySize(arr) >= static_cast<int>(limit)) break;
        auto targets = store.targets(c.id);
        if (!targets) return targets.error();
        std::map<std::string_view, std::uint64_t> counts{{kResultCompleted, 0}, {kResultWaiting, 0}, {kResultError, 0}};
        std::map<std::string, std::uint64_t> per_gateway;
        for (const auto& t : *targets) {
            ++counts[result_label(t.state)];
            ++per_gateway[t.gateway];
        }
        cJSON* item = cJSON_CreateObject();
        json::put(item, "campaign", c.id);
        json::put(item, "state", c.state);
        json::put(item, "mode", to_string(c.mode));
        json::put(item, "created_at", c.created_at);
        put_campaign_times(item, c);
        cJSON* summary = cJSON_AddObjectToObject(item, "summary");
        for (const auto& [label, n] : counts) json::put(summary, std::string(label).c_str(), n);
        json::put(summary, "total", static_cast<std::uint64_t>(targets->size()));
        cJSON* gws = cJSON_AddObjectToObject(item, "gateways");
        for (const auto& [gw, n] : per_gateway) json::put(gws, gw.c_str(), n);
        cJSON_AddItemToArray(arr, item);
    }
    return data;
}

Expected<Json> device_detail_view(ManagerStore& store, const cJSON* args) {
    auto id = json::get_id(args, "device", "device");
    if (!id) return id.error();
    auto device = store.find_device(*id);
    if (!device) return device.error();
    if (!*device) return make_error("not_found", "unknown device " + *id);
    const DeviceRecord& d = **device;
    auto campaigns = all_campaigns(store);
    if (!campaigns) return campaigns.error();

    auto data = Json::object();
    cJSON* o = data.get();
    put_device_fields(o, d);
    // R12: the device's deferment parameter, as it last reported it.
    auto param = store.deferment(d.id);
    if (!param) return param.error();
    if (*param) put_deferment(o, "deferment", **param);
    cJSON* history = cJSON_AddArrayToObject(o, "history");
    for (const auto& c : *campaigns) {
        auto t = store.find_target(c.id, d.id);
        if (!t) return t.error();
        if (!*t) continue;
        cJSON* row = cJSON_CreateObject();
        json::put(row, "campaign", c.id);
        json::put(row, "campaign_state", c.state);
        json::put(row, "mode", to_string(c.mode));
        put_campaign_times(row, c);
        put_target(row, **t);
        cJSON_AddItemToArray(history, row);
    }
    return data;
}

Expected<Json> gateway_table_view(ManagerStore& store, const cJSON* args) {
    auto id = json::get_id(args, "gateway", "gateway");
    if (!id) return id.error();
    auto gateways = store.list_gateways();
    if (!gateways) return gateways.error();
    auto gw = std::find_if(gateways->begin(), gateways->end(), [&](const GatewayRecord& g) { return g.id == *id; });
    if (gw == gateways->end()) return make_error("not_found", "unknown gateway " + *id);
    auto active = store.campaigns_in_state(kCampaignActive);
    if (!active) return active.error();

    auto data = Json::object();
    cJSON* o = data.get();
    json::put(o, "gateway", gw->id);
    json::put(o, "status", gw->status);
    json::put(o, "last_seen", gw->last_seen);
    cJSON* rows = cJSON_AddArrayToObject(o, "rows");
    for (const auto& c : *active) {
        auto targets = store.targets(c.id);
        if (!targets) return targets.error();
        auto moved = store.target_update_times(c.id);  // busy/defer moved some (R13, R14)
        if (!moved) return moved.error();
        for (const auto& t : *targets) {
            if (t.gateway != gw->id) continue;
            cJSON* row = cJSON_CreateObject();
            json::put(row, "device", t.device);
            json::put(row, "model", t.model);
            json::put(row, "campaign", c.id);
            put_campaign_times(row, c);
            if (auto it = moved->find(t.device); it != moved->end())
                cJSON_ReplaceItemInObjectCaseSensitive(row, "update_at", cJSON_CreateString(format_time(it->second).c_str()));
            put_target(row, t);
            cJSON_AddItemToArray(rows, row);
        }
    }
    return data;
}

}  // namespace fleetcast::manager
