#include "manager/dashboard_views.hpp"

#include <algorithm>
#include <map>

#include "manager/results_view.hpp"
#include "manager/wave_guard.hpp"

namespace fleetcast::manager {

Expected<std::vector<CampaignRecord>> all_campaigns(ManagerStore& store) {
    auto all = store.campaigns_in_states({kCampaignActive, kCampaignPaused, kCampaignCanceled, kCampaignEnded});
    if (!all) return all.error();
    std::vector<CampaignRecord> out = std::move(*all);
    std::sort(out.begin(), out.end(), [](const CampaignRecord& a, const CampaignRecord& b) {
        return a.created_at != b.created_at ? a.created_at > b.created_at : a.id > b.id;
    });
    return out;
}

namespace {

void put_times(cJSON* o, const CampaignRecord& c) { put_campaign_times(o, c.update_at, c.transmit_at, c.expires_at); }

void put_target(cJSON* row, const TargetRecord& t) { to_json(row, job_view(t)); }

}  // namespace

DeviceRow device_row(const DeviceRecord& d) {
    DeviceRow row;
    row.device = d.id;
    row.gateway = d.gateway;
    row.model = d.model;
    row.status = d.status;
    row.firmware = d.firmware;
    row.last_seen = d.last_seen;
    return row;
}

Expected<Json> campaign_list_view(ManagerStore& store, CampaignControl& control, const CampaignListArgs& args) {
    const std::uint64_t limit = args.limit;
    auto campaigns = all_campaigns(store);
    if (!campaigns) return campaigns.error();
    auto data = Json::object();
    cJSON* arr = cJSON_AddArrayToObject(data.get(), "campaigns");
    for (const auto& c : *campaigns) {
        if (cJSON_GetArraySize(arr) >= static_cast<int>(limit)) break;
        if (args.campaign && c.id != *args.campaign) continue;
        auto targets = store.targets(c.id);
        if (!targets) return targets.error();
        auto summary = empty_summary();
        std::map<std::string, std::uint64_t> per_gateway;
        for (const auto& t : *targets) {
            count(summary, t.state);
            ++per_gateway[t.gateway];
        }
        cJSON* item = cJSON_CreateObject();
        put_campaign(item, c);
        to_json(cJSON_AddObjectToObject(item, "summary"), summary);
        cJSON* gws = cJSON_AddObjectToObject(item, "gateways");
        for (const auto& [gw, n] : per_gateway) json::put(gws, gw.c_str(), n);
        auto view = control.view(c);
        if (!view) return view.error();
        json::put(item, "status", view->state);
        json::put(item, "reason", view->reason);
        to_json(cJSON_AddObjectToObject(item, "control"), *view);
        if (c.waves) {  // issue 16 item 2
            auto waves = wave_view(store, c, false);
            if (!waves) return waves.error();
            to_json(cJSON_AddObjectToObject(item, "wave"), *waves);
        }
        cJSON_AddItemToArray(arr, item);
    }
    return data;
}

Expected<Json> device_detail_view(ManagerStore& store, const DeviceArgs& args) {
    auto device = store.find_device(args.device);
    if (!device) return device.error();
    if (!*device) return make_error("not_found", "unknown device " + args.device);
    const DeviceRecord& d = **device;
    auto campaigns = all_campaigns(store);
    if (!campaigns) return campaigns.error();

    auto data = Json::object();
    cJSON* o = data.get();
    // R12: the device's deferment parameter, as it last reported it.
    auto param = store.deferment(d.id);
    if (!param) return param.error();
    auto row = device_row(d);
    row.deferment = *param;
    to_json(o, row);
    cJSON* history = cJSON_AddArrayToObject(o, "history");
    for (const auto& c : *campaigns) {
        auto t = store.find_target(c.id, d.id);
        if (!t) return t.error();
        if (!*t) continue;
        cJSON* row = cJSON_CreateObject();
        json::put(row, "campaign", c.id);
        json::put(row, "campaign_state", c.state);
        json::put(row, "mode", to_string(c.mode));
        put_times(row, c);
        put_target(row, **t);
        cJSON_AddItemToArray(history, row);
    }
    return data;
}

Expected<Json> gateway_table_view(ManagerStore& store, const GatewayArgs& args) {
    const auto* id = &args.gateway;
    auto gateways = store.list_gateways();
    if (!gateways) return gateways.error();
    auto gw = std::find_if(gateways->begin(), gateways->end(), [&](const GatewayRecord& g) { return g.id == *id; });
    if (gw == gateways->end()) return make_error("not_found", "unknown gateway " + *id);
    auto active = store.campaigns_in_states({kCampaignActive, kCampaignPaused});
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
            put_times(row, c);
            if (auto it = moved->find(t.device); it != moved->end())
                cJSON_ReplaceItemInObjectCaseSensitive(row, "update_at",
                                                       cJSON_CreateString(format_time(it->second).c_str()));
            put_target(row, t);
            cJSON_AddItemToArray(rows, row);
        }
    }
    return data;
}

}  // namespace fleetcast::manager
