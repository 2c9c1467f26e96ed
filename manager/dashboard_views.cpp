#include "manager/dashboard_views.hpp"

#include <algorithm>
#include <map>

#include "manager/link_bytes.hpp"
#include "manager/results_view.hpp"
#include "manager/wave_guard.hpp"

namespace fleetcast::manager {

Expected<std::vector<CampaignRecord>> all_campaigns(ManagerStore& store) {
    auto all = store.campaigns_in_states({kCampaignPreparing, kCampaignPreparingPaused, kCampaignActive,
                                          kCampaignPaused, kCampaignCanceled, kCampaignEnded});
    if (!all) return all.error();
    std::vector<CampaignRecord> out = std::move(*all);
    std::sort(out.begin(), out.end(), [](const CampaignRecord& a, const CampaignRecord& b) {
        return a.created_at != b.created_at ? a.created_at > b.created_at : a.id > b.id;
    });
    return out;
}

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
    auto campaigns = all_campaigns(store);
    if (!campaigns) return campaigns.error();
    CampaignListAnswer answer;
    for (const auto& c : *campaigns) {
        if (answer.campaigns.size() >= args.limit) break;
        if (args.campaign && c.id != *args.campaign) continue;
        auto targets = store.targets(c.id);
        if (!targets) return targets.error();
        CampaignListEntry e;
        e.header = campaign_header(c);
        e.summary = empty_summary();
        for (const auto& t : *targets) {
            count(e.summary, t.state);
            ++e.gateways[t.gateway];
        }
        auto view = control.view(c);
        if (!view) return view.error();
        e.control = std::move(*view);
        if (c.waves) {  // issue 16 item 2
            auto waves = wave_view(store, c, false);
            if (!waves) return waves.error();
            e.wave = std::move(*waves);
        }
        auto links = campaign_link_bytes(store, c.id);  // issue 17 item 7
        if (!links) return links.error();
        e.links = std::move(*links);
        answer.campaigns.push_back(std::move(e));
    }
    return json_object(answer);
}

Expected<Json> device_detail_view(ManagerStore& store, const DeviceArgs& args) {
    auto device = store.find_device(args.device);
    if (!device) return device.error();
    if (!*device) return make_error("not_found", "unknown device " + args.device);
    const DeviceRecord& d = **device;
    auto campaigns = all_campaigns(store);
    if (!campaigns) return campaigns.error();

    DeviceDetailAnswer answer;
    // R12: the device's deferment parameter, as it last reported it.
    auto param = store.deferment(d.id);
    if (!param) return param.error();
    answer.device = device_row(d);
    answer.device.deferment = *param;
    for (const auto& c : *campaigns) {
        auto t = store.find_target(c.id, d.id);
        if (!t) return t.error();
        if (!*t) continue;
        answer.history.push_back(
            DeviceHistoryRow{c.id, c.state, c.mode, c.update_at, c.transmit_at, c.expires_at, job_view(**t)});
    }
    return json_object(answer);
}

Expected<Json> gateway_table_view(ManagerStore& store, const GatewayArgs& args) {
    const auto* id = &args.gateway;
    auto gateways = store.list_gateways();
    if (!gateways) return gateways.error();
    auto gw = std::find_if(gateways->begin(), gateways->end(), [&](const GatewayRecord& g) { return g.id == *id; });
    if (gw == gateways->end()) return make_error("not_found", "unknown gateway " + *id);
    auto active = store.campaigns_in_states({kCampaignActive, kCampaignPaused});
    if (!active) return active.error();

    GatewayTableAnswer answer{gw->id, gw->status, gw->last_seen, {}};
    for (const auto& c : *active) {
        auto targets = store.targets(c.id);
        if (!targets) return targets.error();
        auto moved = store.target_update_times(c.id);  // busy/defer moved some (R13, R14)
        if (!moved) return moved.error();
        for (const auto& t : *targets) {
            if (t.gateway != gw->id) continue;
            auto own = moved->find(t.device);
            answer.rows.push_back(GatewayTableRow{t.device, t.model, c.id,
                                                  own == moved->end() ? c.update_at : own->second, c.transmit_at,
                                                  c.expires_at, job_view(t)});
        }
    }
    return json_object(answer);
}

}  // namespace fleetcast::manager
