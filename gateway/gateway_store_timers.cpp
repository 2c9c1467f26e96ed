// The job_timers table: per job, the timers its state holds (JobRow), so a
// restart keeps them. A table of its
// own so the jobs table keeps its layout; written in the same transaction as
// the job row. A job without timers has no row here.
#include <map>

#include "gateway/gateway_store.hpp"
#include "gateway/store_columns.hpp"

namespace fleetcast::gateway {

Status GatewayStore::save_timers(const JobRow& j) {
    if (!j.offer_pending && !j.answer_due && !j.power_on_since) {
        auto s = db_->prepare("DELETE FROM job_timers WHERE campaign = ?1 AND device = ?2");
        if (!s) return s.error();
        return s->bind(1, j.campaign).bind(2, j.device).run();
    }
    auto s = db_->prepare(
        "INSERT OR REPLACE INTO job_timers (campaign, device, offer_pending, answer_due, power_on_since)"
        " VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!s) return s.error();
    return s->bind(1, j.campaign)
        .bind(2, j.device)
        .bind(3, static_cast<std::int64_t>(j.offer_pending ? 1 : 0))
        .bind(4, time_text(j.answer_due))
        .bind(5, time_text(j.power_on_since))
        .run();
}

Status GatewayStore::load_timers(std::vector<JobRow>& jobs) {
    auto s = db_->prepare("SELECT campaign, device, offer_pending, answer_due, power_on_since FROM job_timers");
    if (!s) return s.error();
    std::map<std::pair<std::string, std::string>, JobRow*> by_key;
    for (auto& j : jobs) by_key[{j.campaign, j.device}] = &j;
    while (true) {
        auto row = s->step();
        if (!row) return row.error();
        if (!*row) break;
        auto it = by_key.find({s->text(0), s->text(1)});
        if (it == by_key.end()) continue;
        it->second->offer_pending = s->int64(2) != 0;
        it->second->answer_due = time_from(*s, 3);
        it->second->power_on_since = time_from(*s, 4);
    }
    return ok_status();
}

}  // namespace fleetcast::gateway
