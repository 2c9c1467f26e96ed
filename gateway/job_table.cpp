#include "gateway/job_table.hpp"

#include "common/log.hpp"
#include "common/topics.hpp"

namespace fleetcast::gateway {

JobTable::JobTable(GatewayStore& store, Transport& transport, std::string gateway)
    : store_(store), transport_(transport), gateway_(std::move(gateway)) {}

Status JobTable::load() {
    auto jobs = store_.load_jobs();
    if (!jobs) return jobs.error();
    rows_.clear();
    for (auto& j : *jobs) rows_[{j.campaign, j.device}] = std::move(j);
    return ok_status();
}

JobRow* JobTable::find(const std::string& campaign, const std::string& device) {
    auto it = rows_.find({campaign, device});
    return it == rows_.end() ? nullptr : &it->second;
}

std::vector<JobRow> JobTable::new_rows(const Schedule& schedule) const {
    std::vector<JobRow> out;
    std::map<std::string, bool> seen;
    for (const auto& t : schedule.devices) {
        if (rows_.count({schedule.campaign, t.device}) || seen[t.device]) continue;
        seen[t.device] = true;
        JobRow j;
        j.campaign = schedule.campaign;
        j.device = t.device;
        j.model = t.model;
        j.fw_ids = t.fw_ids;
        j.update_at = schedule.update_at;
        out.push_back(std::move(j));
    }
    return out;
}

void JobTable::adopt(const std::vector<JobRow>& rows) {
    for (const auto& j : rows) {
        rows_[{j.campaign, j.device}] = j;
        report(j);
    }
}

void JobTable::forget_campaign(const std::string& campaign) {
    std::erase_if(progress_pending_, [&](const JobKey& k) { return k.first == campaign; });
    for (auto it = rows_.lower_bound({campaign, ""}); it != rows_.end() && it->first.first == campaign;)
        it = rows_.erase(it);
}

bool JobTable::apply(JobRow& job, JobEvent event, TimePoint now, const std::string& detail, const Versions* firmware) {
    return transition(job, event, now, std::nullopt, detail, firmware);
}

bool JobTable::apply_at(JobRow& job, JobEvent event, TimePoint now, TimePoint update_at, const std::string& detail) {
    return transition(job, event, now, update_at, detail, nullptr);
}

bool JobTable::transition(JobRow& job, JobEvent event, TimePoint now, std::optional<TimePoint> update_at,
                          const std::string& detail, const Versions* firmware) {
    auto next = next_state(job.state, event);
    if (!next) {
        log_debug("gateway", "job_event_ignored")
            .kv("campaign", job.campaign)
            .kv("device", job.device)
            .kv("state", to_string(job.state))
            .kv("event", to_string(event));
        return false;
    }
    // A self-transition changes nothing, unless it moves the update time or the comment.
    bool moves = update_at && (*update_at != job.update_at || detail != job.comment);
    if (*next == job.state && !moves) return true;
    JobRow before = job;
    job.state = *next;
    if (update_at) job.update_at = *update_at;
    if (event == JobEvent::Offered && !job.started_at) job.started_at = now;
    if (is_terminal(job.state)) job.ended_at = now;
    if (job.state == JobState::Completed) job.progress = 100;
    if (job.state == JobState::Canceled) job.necessary = false;
    if (!detail.empty()) job.comment = detail;
    if (firmware) job.firmware = *firmware;
    return store_and_report(job, before);
}

bool JobTable::save(JobRow& job, const JobRow& before) { return store_and_report(job, before); }

void JobTable::set_progress(JobRow& job, std::uint32_t percent) {
    if (is_terminal(job.state) || percent == job.progress) return;
    bool step = percent / 10 != job.progress / 10;
    JobRow before = job;
    job.progress = percent;
    // Only whole 10 % steps are stored and reported: progress events are
    // frequent and each SQLite commit is an fsync.
    if (step) progress_pending_.insert({job.campaign, job.device});
}

void JobTable::flush_progress() {
    if (progress_pending_.empty()) return;
    std::vector<const JobRow*> rows;
    for (const auto& key : progress_pending_)
        if (auto it = rows_.find(key); it != rows_.end()) rows.push_back(&it->second);
    progress_pending_.clear();
    auto st = store_.save_jobs(rows);
    if (!st) {
        // Progress is advisory: the device reports it again with its next step.
        log_error("gateway", "progress_store_failed").kv("gateway", gateway_).kv("jobs", rows.size()).kv("error", st.error().str());
        return;
    }
    for (const auto* job : rows) report(*job);
}

bool JobTable::store_and_report(JobRow& job, const JobRow& before) {
    auto st = store_.save_job(job);
    if (st) progress_pending_.erase({job.campaign, job.device});  // this row carries the progress too
    if (!st) {
        log_error("gateway", "job_store_failed")
            .kv("gateway", gateway_)
            .kv("campaign", job.campaign)
            .kv("device", job.device)
            .kv("error", st.error().str());
        job = before;
        return false;
    }
    log_info("gateway", "job_changed")
        .kv("gateway", gateway_)
        .kv("campaign", job.campaign)
        .kv("device", job.device)
        .kv("state", to_string(job.state))
        .kv("progress", job.progress)
        .kv("update_at", format_time(job.update_at))
        .kv("detail", job.comment);
    report(job);
    return true;
}

void JobTable::report(const JobRow& job) {
    JobReport r;
    r.campaign = job.campaign;
    r.device = job.device;
    r.state = job.state;
    r.progress = job.progress;
    r.detail = job.comment;
    r.started_at = job.started_at;
    r.ended_at = job.ended_at;
    r.firmware = job.firmware;
    r.update_at = job.update_at;
    r.suspended = job.suspended;
    auto st = transport_.publish(topics::gw_report(gateway_), encode(r));
    if (!st) log_warn("gateway", "report_failed").kv("campaign", job.campaign).kv("device", job.device).kv("error", st.error().str());
}

}  // namespace fleetcast::gateway
