// The job_attempts table: per job, failed attempts so far (R17) and whether
// an operator suspended the transfer (R19); the job_install table: what
// proves the attempt's install (install_seen, ready_boot_count). Tables of
// their own so the jobs table keeps its layout; written in the same
// transaction as the job row.
#include <map>

#include "gateway/gateway_store.hpp"

namespace fleetcast::gateway {

Status GatewayStore::save_install(const JobRow& j) {
    if (!j.install_seen && !j.ready_boot_count) {
        auto s = db_->prepare("DELETE FROM job_install WHERE campaign = ?1 AND device = ?2");
        if (!s) return s.error();
        return s->bind(1, j.campaign).bind(2, j.device).run();
    }
    auto s = db_->prepare(
        "INSERT OR REPLACE INTO job_install (campaign, device, install_seen, ready_boot_count) VALUES (?1, ?2, ?3, "
        "?4)");
    if (!s) return s.error();
    s->bind(1, j.campaign).bind(2, j.device).bind(3, static_cast<std::int64_t>(j.install_seen ? 1 : 0));
    // -1: the device's ready carried no boot count (an older device).
    s->bind(4, j.ready_boot_count ? static_cast<std::int64_t>(*j.ready_boot_count) : std::int64_t{-1});
    return s->run();
}

Status GatewayStore::load_install(std::vector<JobRow>& jobs) {
    auto s = db_->prepare("SELECT campaign, device, install_seen, ready_boot_count FROM job_install");
    if (!s) return s.error();
    std::map<std::pair<std::string, std::string>, std::pair<bool, std::int64_t>> found;
    while (true) {
        auto row = s->step();
        if (!row) return row.error();
        if (!*row) break;
        found[{s->text(0), s->text(1)}] = {s->int64(2) != 0, s->int64(3)};
    }
    for (auto& j : jobs) {
        auto it = found.find({j.campaign, j.device});
        if (it == found.end()) continue;
        j.install_seen = it->second.first;
        if (it->second.second >= 0) j.ready_boot_count = static_cast<std::uint64_t>(it->second.second);
    }
    return ok_status();
}

Status GatewayStore::save_attempts(const JobRow& j) {
    auto st = save_install(j);
    if (!st) return st;
    if (j.attempts == 0 && !j.suspended && !j.paused) {
        auto s = db_->prepare("DELETE FROM job_attempts WHERE campaign = ?1 AND device = ?2");
        if (!s) return s.error();
        return s->bind(1, j.campaign).bind(2, j.device).run();
    }
    auto s = db_->prepare(
        "INSERT OR REPLACE INTO job_attempts (campaign, device, attempts, suspended, paused) VALUES (?1, ?2, ?3, ?4, "
        "?5)");
    if (!s) return s.error();
    return s->bind(1, j.campaign)
        .bind(2, j.device)
        .bind(3, static_cast<std::int64_t>(j.attempts))
        .bind(4, static_cast<std::int64_t>(j.suspended ? 1 : 0))
        .bind(5, static_cast<std::int64_t>(j.paused ? 1 : 0))
        .run();
}

Status GatewayStore::load_attempts(std::vector<JobRow>& jobs) {
    auto s = db_->prepare("SELECT campaign, device, attempts, suspended, paused FROM job_attempts");
    if (!s) return s.error();
    struct Found {
        std::uint32_t attempts = 0;
        bool suspended = false, paused = false;
    };
    std::map<std::pair<std::string, std::string>, Found> found;
    while (true) {
        auto row = s->step();
        if (!row) return row.error();
        if (!*row) break;
        found[{s->text(0), s->text(1)}] = {static_cast<std::uint32_t>(s->int64(2)), s->int64(3) != 0, s->int64(4) != 0};
    }
    for (auto& j : jobs) {
        auto it = found.find({j.campaign, j.device});
        if (it == found.end()) continue;
        j.attempts = it->second.attempts;
        j.suspended = it->second.suspended;
        j.paused = it->second.paused;
    }
    return load_install(jobs);
}

}  // namespace fleetcast::gateway
