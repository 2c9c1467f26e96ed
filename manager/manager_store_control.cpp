// Campaign-level control (issue 16, schema 6): the last command of each
// campaign and, per gateway of the campaign, whether it confirmed it.
#include "manager/manager_store.hpp"
#include "manager/store_rows.hpp"

namespace fleetcast::manager {

namespace {
CampaignCommandRecord command_row(const Statement& s) {
    CampaignCommandRecord c;
    c.campaign = s.text(0);
    auto action = campaign_action_from_string(s.text(1));
    c.action = action ? *action : CampaignAction::Pause;
    c.request_id = s.text(2);
    c.reason = s.text(3);
    auto at = parse_time(s.text(4));
    c.at = at ? *at : TimePoint{};
    return c;
}
constexpr const char* kCommandCols = "c.campaign, c.action, c.request_id, c.reason, c.at";
}  // namespace

Status ManagerStore::save_campaign_command(const CampaignCommandRecord& c, std::string_view state,
                                           const std::vector<std::string>& gateways) {
    return db_->transaction([&]() -> Status {
        auto st = set_campaign_state(c.campaign, state);
        if (!st) return st;
        auto s = db_->prepare(
            "INSERT OR REPLACE INTO campaign_commands (campaign, action, request_id, reason, at)"
            " VALUES (?1, ?2, ?3, ?4, ?5)");
        if (!s) return s.error();
        st = s->bind(1, c.campaign)
                 .bind(2, to_string(c.action))
                 .bind(3, c.request_id)
                 .bind(4, c.reason)
                 .bind(5, format_time(c.at))
                 .run();
        if (!st) return st;
        auto del = db_->prepare("DELETE FROM campaign_command_gateways WHERE campaign = ?1");
        if (!del) return del.error();
        st = del->bind(1, c.campaign).run();
        if (!st) return st;
        for (const auto& gw : gateways) {
            auto ins = db_->prepare(
                "INSERT INTO campaign_command_gateways (campaign, gateway, request_id, confirmed_at)"
                " VALUES (?1, ?2, ?3, NULL)");
            if (!ins) return ins.error();
            st = ins->bind(1, c.campaign).bind(2, gw).bind(3, c.request_id).run();
            if (!st) return st;
        }
        return ok_status();
    });
}

Expected<std::optional<CampaignCommandRecord>> ManagerStore::campaign_command(const std::string& campaign) {
    auto s = db_->prepare(std::string("SELECT ") + kCommandCols + " FROM campaign_commands c WHERE c.campaign = ?1");
    if (!s) return s.error();
    s->bind(1, campaign);
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return std::optional<CampaignCommandRecord>{};
    return std::optional<CampaignCommandRecord>{command_row(*s)};
}

Expected<std::vector<CommandGatewayRecord>> ManagerStore::command_gateways(const std::string& campaign) {
    auto s = db_->prepare(
        "SELECT gateway, confirmed_at FROM campaign_command_gateways WHERE campaign = ?1 ORDER BY gateway");
    if (!s) return s.error();
    s->bind(1, campaign);
    std::vector<CommandGatewayRecord> out;
    auto st = each_row(*s, [&](const Statement& r) {
        CommandGatewayRecord g{r.text(0), std::nullopt};
        if (!r.is_null(1))
            if (auto at = parse_time(r.text(1))) g.confirmed_at = *at;
        out.push_back(std::move(g));
    });
    if (!st) return st.error();
    return out;
}

Expected<bool> ManagerStore::confirm_campaign_command(const std::string& campaign, const std::string& gateway,
                                                      const std::string& request_id, TimePoint at) {
    auto s = db_->prepare(
        "SELECT confirmed_at FROM campaign_command_gateways WHERE campaign = ?1 AND gateway = ?2 AND request_id = ?3");
    if (!s) return s.error();
    s->bind(1, campaign).bind(2, gateway).bind(3, request_id);
    auto row = s->step();
    if (!row) return row.error();
    if (!*row || !s->is_null(0)) return false;  // another command's, or confirmed already
    auto u = db_->prepare(
        "UPDATE campaign_command_gateways SET confirmed_at = ?4 WHERE campaign = ?1 AND gateway = ?2 AND request_id = "
        "?3");
    if (!u) return u.error();
    auto st = u->bind(1, campaign).bind(2, gateway).bind(3, request_id).bind(4, format_time(at)).run();
    if (!st) return st.error();
    return true;
}

Expected<std::vector<CampaignCommandRecord>> ManagerStore::unconfirmed_commands_on(const std::string& gateway) {
    auto s = db_->prepare(std::string("SELECT ") + kCommandCols +
                          " FROM campaign_commands c JOIN campaign_command_gateways g ON g.campaign = c.campaign"
                          " AND g.request_id = c.request_id WHERE g.gateway = ?1 AND g.confirmed_at IS NULL"
                          " ORDER BY c.at");
    if (!s) return s.error();
    s->bind(1, gateway);
    return collect<CampaignCommandRecord>(std::move(s), command_row);
}

Expected<std::vector<std::string>> ManagerStore::campaign_gateways(const std::string& campaign) {
    auto s = db_->prepare("SELECT DISTINCT gateway FROM targets WHERE campaign = ?1 ORDER BY gateway");
    if (!s) return s.error();
    s->bind(1, campaign);
    return collect<std::string>(std::move(s), [](const Statement& r) { return r.text(0); });
}

}  // namespace fleetcast::manager
