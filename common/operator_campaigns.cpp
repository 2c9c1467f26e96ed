// Args and answers of the campaign-level operator ops (issue 16).
#include "common/operator_campaigns.hpp"

#include "common/message_fields.hpp"

namespace fleetcast {

void to_json(cJSON* o, const CampaignControlArgs& a) {
    json::put(o, "campaign", a.campaign);
    if (!a.reason.empty()) json::put(o, "reason", a.reason);
}

Expected<CampaignControlArgs> campaign_control_args_from_json(const cJSON* o) {
    FC_TRY(campaign, json::get_id(o, "campaign", "campaign"));
    CampaignControlArgs a{*campaign, {}};
    if (cJSON_GetObjectItemCaseSensitive(o, "reason")) {
        FC_TRY(reason, json::get_string(o, "reason", kMaxCampaignReason));
        a.reason = *reason;
    }
    return a;
}

std::vector<std::string> CampaignControlView::unconfirmed_online() const {
    std::vector<std::string> out;
    for (const auto& g : gateways)
        if (g.online && !g.confirmed) out.push_back(g.gateway);
    return out;
}

std::vector<std::string> CampaignControlView::unconfirmed_offline() const {
    std::vector<std::string> out;
    for (const auto& g : gateways)
        if (!g.online && !g.confirmed) out.push_back(g.gateway);
    return out;
}

void to_json(cJSON* o, const CampaignControlView& v) {
    json::put(o, "campaign", v.campaign);
    json::put(o, "state", v.state);
    json::put(o, "reason", v.reason);
    if (v.action) json::put(o, "action", to_string(*v.action));
    if (!v.request_id.empty()) json::put(o, "request_id", v.request_id);
    json::put(o, "at", v.at);
    cJSON* gws = cJSON_AddArrayToObject(o, "gateways");
    for (const auto& g : v.gateways) {
        cJSON* item = cJSON_CreateObject();
        json::put(item, "gateway", g.gateway);
        json::put(item, "online", g.online);
        json::put(item, "confirmed", g.confirmed);
        cJSON_AddItemToArray(gws, item);
    }
    json::put(o, "waiting_for", v.unconfirmed_online());
    json::put(o, "apply_when_back", v.unconfirmed_offline());
}

Expected<CampaignControlView> campaign_control_view_from_json(const cJSON* o) {
    CampaignControlView v;
    FC_TRY(campaign, json::get_id(o, "campaign", "campaign"));
    FC_TRY(state, json::get_string(o, "state", 16));
    FC_TRY(reason, json::get_string(o, "reason", kMaxCampaignReason + 256));
    v.campaign = *campaign;
    v.state = *state;
    v.reason = *reason;
    if (cJSON_GetObjectItemCaseSensitive(o, "action")) {
        FC_TRY(text, json::get_string(o, "action", 16));
        FC_TRY(action, campaign_action_from_string(*text));
        v.action = *action;
        FC_TRY(rid, json::get_id(o, "request_id", "request"));
        v.request_id = *rid;
    }
    FC_TRY(at, json::get_optional_time(o, "at"));
    v.at = *at;
    FC_TRY(gws, json::get_array(o, "gateways", kMaxDevicesPerSchedule));
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, *gws) {
        FC_TRY(gw, json::get_id(item, "gateway", "gateway"));
        FC_TRY(online, json::get_bool(item, "online"));
        FC_TRY(confirmed, json::get_bool(item, "confirmed"));
        v.gateways.push_back({*gw, *online, *confirmed});
    }
    return v;
}

}  // namespace fleetcast
