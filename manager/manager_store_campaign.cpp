// Campaign tables of issue 5 (schema 5): the retry policy of each campaign
// (R17) and the devices that could not be included, with the reason (Fig. 21).
#include <map>

#include "manager/manager_store.hpp"

namespace fleetcast::manager {

Status ManagerStore::insert_campaign_extras(const CampaignRecord& c,
                                            const std::vector<std::pair<std::string, std::string>>& skipped) {
    auto stmt = db_->prepare(
        "INSERT OR REPLACE INTO campaign_retry (campaign, max_retries, backoff_ms, power_on_timeout_ms)"
        " VALUES (?1, ?2, ?3, ?4)");
    if (!stmt) return stmt.error();
    stmt->bind(1, c.id)
        .bind(2, static_cast<std::int64_t>(c.retry.max_retries))
        .bind(3, static_cast<std::int64_t>(c.retry.backoff.count()))
        .bind(4, static_cast<std::int64_t>(c.retry.power_on_timeout.count()));
    auto st = stmt->run();
    if (!st) return st;
    st = write_failure_threshold(c);
    if (!st) return st;
    st = write_rate_limits(c);
    if (!st) return st;
    for (const auto& [device, reason] : skipped) {
        auto s = db_->prepare("INSERT OR REPLACE INTO campaign_skipped (campaign, device, reason) VALUES (?1, ?2, ?3)");
        if (!s) return s.error();
        st = s->bind(1, c.id).bind(2, device).bind(3, reason).run();
        if (!st) return st;
    }
    return ok_status();
}

Expected<std::vector<std::pair<std::string, std::string>>> ManagerStore::skipped(const std::string& campaign) {
    auto s = db_->prepare("SELECT device, reason FROM campaign_skipped WHERE campaign = ?1 ORDER BY device");
    if (!s) return s.error();
    s->bind(1, campaign);
    std::vector<std::pair<std::string, std::string>> out;
    while (true) {
        auto row = s->step();
        if (!row) return row.error();
        if (!*row) break;
        out.emplace_back(s->text(0), s->text(1));
    }
    return out;
}

Status ManagerStore::fill_retry(std::vector<CampaignRecord>& campaigns) {
    for (auto& c : campaigns) {
        auto s =
            db_->prepare("SELECT max_retries, backoff_ms, power_on_timeout_ms FROM campaign_retry WHERE campaign = ?1");
        if (!s) return s.error();
        s->bind(1, c.id);
        auto st = fill_failure_threshold(c);
        if (!st) return st;
        st = fill_rate_limits(c);
        if (!st) return st;
        st = fill_waves(c);
        if (!st) return st;
        auto row = s->step();
        if (!row) return row.error();
        if (!*row) continue;  // a campaign of an older manager: the defaults
        c.retry.max_retries = static_cast<std::uint32_t>(s->int64(0));
        c.retry.backoff = Millis(s->int64(1));
        c.retry.power_on_timeout = Millis(s->int64(2));
    }
    return ok_status();
}

}  // namespace fleetcast::manager
