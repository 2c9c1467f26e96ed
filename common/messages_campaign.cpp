// Campaign-level control between the manager and a gateway (issue 16): the
// `campaign` command on gw/{gw}/cmd and its `campaign_ack` report.
#include "common/message_fields.hpp"
#include "common/messages.hpp"

namespace fleetcast {

std::string_view to_string(CampaignAction a) {
    switch (a) {
        case CampaignAction::Pause: return "pause";
        case CampaignAction::Resume: return "resume";
        case CampaignAction::Cancel: return "cancel";
    }
    return "pause";
}

Expected<CampaignAction> campaign_action_from_string(std::string_view s) {
    for (auto a : {CampaignAction::Pause, CampaignAction::Resume, CampaignAction::Cancel})
        if (to_string(a) == s) return a;
    return make_error("bad_value", "unknown campaign action '" + std::string(s) + "' (pause, resume, cancel)");
}

namespace {
Expected<CampaignAction> action_of(const cJSON* o) {
    FC_TRY(text, json::get_string(o, "action", 16));
    return campaign_action_from_string(*text);
}
}  // namespace

std::string encode(const GwCampaignCmd& c) {
    auto j = Json::object();
    json::put(j.get(), "type", "campaign");
    json::put(j.get(), "campaign", c.campaign);
    json::put(j.get(), "action", to_string(c.action));
    json::put(j.get(), "request_id", c.request_id);
    if (!c.reason.empty()) json::put(j.get(), "reason", c.reason);
    return j.dump();
}

Expected<GwCampaignCmd> detail::campaign_command_from_json(const cJSON* o) {
    FC_TRY(campaign, json::get_id(o, "campaign", "campaign"));
    FC_TRY(action, action_of(o));
    FC_TRY(rid, json::get_id(o, "request_id", "request"));
    std::string reason;
    if (cJSON_GetObjectItemCaseSensitive(o, "reason")) {
        FC_TRY(r, json::get_string(o, "reason", 512));
        reason = *r;
    }
    return GwCampaignCmd{*campaign, *action, *rid, reason};
}

std::string encode(const CampaignAckReport& r) {
    auto j = Json::object();
    json::put(j.get(), "type", "campaign_ack");
    json::put(j.get(), "campaign", r.campaign);
    json::put(j.get(), "action", to_string(r.action));
    json::put(j.get(), "request_id", r.request_id);
    json::put(j.get(), "jobs", r.jobs);
    return j.dump();
}

Expected<CampaignAckReport> detail::campaign_ack_report_from_json(const cJSON* o) {
    FC_TRY(campaign, json::get_id(o, "campaign", "campaign"));
    FC_TRY(action, action_of(o));
    FC_TRY(rid, json::get_id(o, "request_id", "request"));
    FC_TRY(jobs, json::get_uint(o, "jobs", kMaxDevicesPerSchedule));
    return CampaignAckReport{*campaign, *action, *rid, *jobs};
}

}  // namespace fleetcast
