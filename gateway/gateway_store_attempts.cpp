// The job_attempts table: per job, failed attempts so far (R17) and whether
// an operator suspended the transfer (R19). A table of its own so the jobs
// table keeps its layout; written in the same transaction as the job row.
#include <map>

#include "gateway/gateway_store.hpp"

namespace fleetcast::gateway {

Status GatewayStore::migrate_attempts() {
    return db_->exec(
        "CREATE TABLE IF NOT EXISTS job_attempts ("
        " campaign TEXT NOT NULL, device TEXT NOT NULL, attempts INTEGER NOT NULL, suspended INTEGER NOT NULL,"
        " PRIMARY KEY (campaign, device));");
}

Status GatewayStore::save_attempts(const JobRow& j) {
    if (j.attempts == 0 && !j.suspended) {
        auto s = db_->prepare("DELETE FROM job_attempts WHERE campaign = ?1 AND device = ?2");
        if (!s) return s.error();
        return s->bind(1, j.campaign).bind(2, j.device).run();
    }
    auto s = db_->prepare(
        "INSERT OR REPLACE INTO job_attempts (campaign, device, attempts, suspended) VALUES (?1, ?2, ?3, ?4)");
    if (!s) return s.error();
    return s->bind(1, j.campaign)
        .bind(2, j.device)
        .bind(3, static_cast<std::int64_t>(j.attempts))
        .bind(4, static_cast<std::int64_t>(j.suspended ? 1 : 0))
        .run();
}

Status GatewayStore::load_attempts(std::vector<JobRow>& jobs) {
    auto s = db_->prepare("SELECT campaign, device, attempts, suspended FROM job_attempts");
    if (!s) return s.error();
    std::map<std::pair<std::string, std::string>, std::pair<std::uint32_t, bool>> found;
    while (true) {
        auto row = s->step();
        if (!row) return row.error();
        if (!*row) break;
        found[{s->text(0), s->text(1)}] = {static_cast<std::uint32_t>(s->int64(2)), s->int64(3) != 0};
    }
    for (auto& j : jobs) {
        auto it = found.find({j.campaign, j.device});
        if (it == found.end()) continue;
        j.attempts = it->second.first;
        j.suspended = it->second.second;
    }
    return ok_status();
}

}  // namespace fleetcast::gateway
