// A campaign's rate limits (issue 16 item 4, schema 9): stored as one JSON
// object, the operator's limits and each gateway's share of them.
#include "common/json.hpp"
#include "manager/manager_store.hpp"

namespace fleetcast::manager {

Status ManagerStore::write_rate_limits(const CampaignRecord& c) {
    if (!c.limits.any()) return ok_status();
    auto j = Json::object();
    put_rate_limits(j.get(), c.limits);
    cJSON* gws = cJSON_AddObjectToObject(j.get(), "gateways");
    for (const auto& [gw, l] : c.gateway_limits) to_json(cJSON_AddObjectToObject(gws, gw.c_str()), l);
    auto s = db_->prepare("INSERT OR REPLACE INTO campaign_rate_limits (campaign, limits) VALUES (?1, ?2)");
    if (!s) return s.error();
    return s->bind(1, c.id).bind(2, j.dump()).run();
}

Status ManagerStore::fill_rate_limits(CampaignRecord& c) {
    auto s = db_->prepare("SELECT limits FROM campaign_rate_limits WHERE campaign = ?1");
    if (!s) return s.error();
    s->bind(1, c.id);
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return ok_status();  // no limits
    auto bad = [&](const std::string& why) { return make_error("db", "rate limits of campaign " + c.id + ": " + why); };
    auto j = Json::parse(s->text(0));
    if (!j) return bad(j.error().message);
    auto limits = rate_limits_from_json(j->get());
    if (!limits) return bad(limits.error().message);
    c.limits = *limits;
    const cJSON* gws = cJSON_GetObjectItemCaseSensitive(j->get(), "gateways");
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, gws) {
        auto l = gateway_limits_from_json(item);
        if (!l) return bad(l.error().message);
        c.gateway_limits[item->string] = *l;
    }
    return ok_status();
}

}  // namespace fleetcast::manager
