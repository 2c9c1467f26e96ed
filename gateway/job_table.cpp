#include "gateway/job_table.hpp"

#include <algorithm>

#include "common/log.hpp"
#include "common/topics.hpp"

namespace fleetcast::gateway {

namespace {
JobPhase phase_of(const JobRow& job) { return {job.state, job.suspended, !job.cancel_pending.empty(), job.paused}; }

bool same_timers(const JobRow& a, const JobRow& b) {
    return a.offer_pending == b.offer_pending && a.answer_due == b.answer_due && a.power_on_since == b.power_on_since;
}
}  // namespace

JobTable::JobTable(GatewayStore& store, Transport& transport, std::string gateway, FanoutPlans& plans,
                   FanoutSender& sender, Millis answer_timeout)
    : store_(store),
      transport_(transport),
      gateway_(std::move(gateway)),
      plans_(plans),
      sender_(sender),
      answer_timeout_(answer_timeout) {}

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
    return apply(job, event, now, JobChange{.detail = detail, .firmware = firmware});
}

bool JobTable::apply(JobRow& job, JobEvent event, TimePoint now, const JobChange& change) {
    const JobRow before = job;
    auto stored = step(job, event, now, change);
    if (!stored) return false;
    if (*stored == Stored::Reported && !store_and_report(job, before)) return false;
    if (*stored == Stored::Quietly && !store(job, before)) return false;
    run_exit_actions(job, event);
    return true;
}

std::size_t JobTable::apply_all(JobEvent event, TimePoint now, const std::function<bool(const JobRow&)>& pick) {
    std::vector<std::pair<JobRow*, JobRow>> applied;  // row, before
    std::vector<const JobRow*> changed;
    std::vector<const JobRow*> to_report;
    for (auto& [key, job] : rows_) {
        if (!pick(job)) continue;
        JobRow before = job;
        auto stored = step(job, event, now, {});
        if (!stored) continue;
        applied.emplace_back(&job, std::move(before));
        if (*stored != Stored::Nothing) changed.push_back(&job);
        if (*stored == Stored::Reported) to_report.push_back(&job);
    }
    if (auto st = store_.save_jobs(changed); !st) {
        log_error("gateway", "job_store_failed")
            .kv("gateway", gateway_)
            .kv("jobs", changed.size())
            .kv("error", st.error().str());
        for (auto& [job, before] : applied) *job = before;
        return 0;
    }
    for (const auto* job : to_report) {
        progress_pending_.erase({job->campaign, job->device});
        log_changed(*job);
        report(*job);
    }
    for (auto& [job, before] : applied) run_exit_actions(*job, event);
    return applied.size();
}

std::optional<JobTable::Stored> JobTable::step(JobRow& job, JobEvent event, TimePoint now, const JobChange& change) {
    auto next = next_phase(phase_of(job), event);
    if (!next) {
        log_debug("gateway", "job_event_ignored")
            .kv("campaign", job.campaign)
            .kv("device", job.device)
            .kv("state", to_string(job.state))
            .kv("event", to_string(event));
        return std::nullopt;
    }
    const JobRow before = job;
    // A self-transition changes nothing reported, unless it moves the update time or the comment.
    bool moves = change.update_at && (*change.update_at != job.update_at || change.detail != job.comment);
    bool changes = next->state != job.state || next->suspended != job.suspended ||
                   next->cancel_pending != !job.cancel_pending.empty() || next->paused != job.paused || moves;
    if (changes) {
        job.state = next->state;
        job.suspended = next->suspended;
        job.paused = next->paused;
        if (!next->cancel_pending) job.cancel_pending.clear();
        else if (event == JobEvent::CancelRequested || event == JobEvent::CampaignCanceled)
            job.cancel_pending = change.cancel_by.empty() ? std::string("operator") : change.cancel_by;
        if (change.update_at) job.update_at = *change.update_at;
        if (ends_attempt(event)) job.attempts += 1;
        if (event == JobEvent::Offered && !job.started_at) job.started_at = now;
        // The device receives again: an install seen before (an attempt given up
        // on) no longer proves what its next power_on boots.
        if (event == JobEvent::Answered) job.install_seen = false;
        if (is_terminal(job.state)) job.ended_at = now;
        if (job.state == JobState::Completed) job.progress = 100;
        if (job.state == JobState::Canceled) job.necessary = false;
        if (!change.detail.empty()) job.comment = change.detail;
        if (change.firmware) job.firmware = *change.firmware;
    }
    set_timers(job, event, now);
    if (changes) return Stored::Reported;
    return same_timers(before, job) ? Stored::Nothing : Stored::Quietly;
}

void JobTable::set_timers(JobRow& job, JobEvent event, TimePoint now) const {
    if (!awaits_answer(job.state)) job.answer_due.reset();
    else if (event == JobEvent::Offered) job.answer_due = now + answer_timeout_;
    // The device answers at the update time it deferred to (R12): others need not wait for it.
    else if (event == JobEvent::Deferred) job.answer_due = std::max(job.update_at, now) + answer_timeout_;
    if (event == JobEvent::Offered || !may_be_reoffered(job.state)) job.offer_pending = false;
    else if (event == JobEvent::OfferAgain) job.offer_pending = true;
    // R16: the power-on report is due within the campaign's timeout from here.
    if (!awaits_power_on(job.state)) job.power_on_since.reset();
    else if (!job.power_on_since) job.power_on_since = now;
}

void JobTable::run_exit_actions(const JobRow& job, JobEvent event) {
    const ExitActions x = exit_actions(job.state, event);
    if (x.withdraw) plans_.withdraw(job.campaign, job.device);
    if (x.stop_unattended) {
        for (const auto& fanout : plans_.unattended(job.campaign)) {
            sender_.stop_fanout(fanout);
            plans_.finished(fanout);
        }
    }
    if (x.drop_repairs) sender_.drop_repairs(job.device);
}

void JobTable::arm_power_on(JobRow& job, TimePoint now) {
    if (!awaits_power_on(job.state) || job.power_on_since) return;
    const JobRow before = job;
    job.power_on_since = now;
    store(job, before);
}

bool JobTable::save(JobRow& job, const JobRow& before) { return store_and_report(job, before); }

void JobTable::set_progress(JobRow& job, std::uint32_t percent) {
    if (is_terminal(job.state) || percent == job.progress) return;
    bool step = percent / 10 != job.progress / 10;
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
        log_error("gateway", "progress_store_failed")
            .kv("gateway", gateway_)
            .kv("jobs", rows.size())
            .kv("error", st.error().str());
        return;
    }
    for (const auto* job : rows) report(*job);
}

bool JobTable::store(JobRow& job, const JobRow& before) {
    auto st = store_.save_job(job);
    if (st) return true;
    log_error("gateway", "job_store_failed")
        .kv("gateway", gateway_)
        .kv("campaign", job.campaign)
        .kv("device", job.device)
        .kv("error", st.error().str());
    job = before;
    return false;
}

bool JobTable::store_and_report(JobRow& job, const JobRow& before) {
    if (!store(job, before)) return false;
    progress_pending_.erase({job.campaign, job.device});  // this row carries the progress too
    log_changed(job);
    report(job);
    return true;
}

void JobTable::log_changed(const JobRow& job) const {
    log_info("gateway", "job_changed")
        .kv("gateway", gateway_)
        .kv("campaign", job.campaign)
        .kv("device", job.device)
        .kv("state", to_string(job.state))
        .kv("progress", job.progress)
        .kv("update_at", format_time(job.update_at))
        .kv("detail", job.comment);
}

void JobTable::report(const JobRow& job) {
    const JobReport r{.campaign = job.campaign,
                      .device = job.device,
                      .state = job.state,
                      .progress = job.progress,
                      .detail = job.comment,
                      .started_at = job.started_at,
                      .ended_at = job.ended_at,
                      .firmware = job.firmware,
                      .update_at = job.update_at,
                      .suspended = job.suspended};
    auto st = transport_.publish(topics::gw_report(gateway_), encode(r));
    if (!st)
        log_warn("gateway", "report_failed")
            .kv("campaign", job.campaign)
            .kv("device", job.device)
            .kv("error", st.error().str());
}

}  // namespace fleetcast::gateway
