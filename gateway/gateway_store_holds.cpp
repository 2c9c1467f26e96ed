// The campaign_holds table (issue 16): per campaign, the campaign-level
// command last applied (pause, resume, cancel), kept after the campaign's
// schedule is cleared so a stale copy of it is held or canceled again.
#include "gateway/gateway_store.hpp"

namespace fleetcast::gateway {

Status GatewayStore::save_campaign_hold(const std::string& campaign, const CampaignHold& hold) {
    auto s = db_->prepare(
        "INSERT OR REPLACE INTO campaign_holds (campaign, action, request_id, reason, at) VALUES (?1, ?2, ?3, ?4, "
        "?5)");
    if (!s) return s.error();
    return s->bind(1, campaign)
        .bind(2, to_string(hold.action))
        .bind(3, hold.request_id)
        .bind(4, hold.reason)
        .bind(5, format_time(hold.at))
        .run();
}

Expected<std::map<std::string, GatewayStore::CampaignHold>> GatewayStore::load_campaign_holds() {
    auto s = db_->prepare("SELECT campaign, action, request_id, reason, at FROM campaign_holds");
    if (!s) return s.error();
    std::map<std::string, CampaignHold> out;
    while (true) {
        auto row = s->step();
        if (!row) return row.error();
        if (!*row) break;
        auto action = campaign_action_from_string(s->text(1));
        if (!action) continue;  // not ours: ignored
        auto at = parse_time(s->text(4));
        out[s->text(0)] = CampaignHold{*action, s->text(2), s->text(3), at ? *at : TimePoint{}};
    }
    return out;
}

}  // namespace fleetcast::gateway
