// Schedules from the manager: stored before anything is acted on, cleared
// only once every job of the campaign ended, and run when due (topics.md
// flow step 2).
#include "common/log.hpp"
#include "gateway/gateway.hpp"

namespace fleetcast::gateway {

void Gateway::on_schedule(const std::string& topic, const std::string& campaign, const std::string& payload) {
    if (payload.empty()) return forget_schedule(campaign);
    auto schedule = decode_schedule(payload);
    if (!schedule) return bad_input("schedule", topic, schedule.error());
    if (schedule->campaign != campaign)
        return bad_input("schedule", topic, make_error("bad_schedule", "payload campaign " + schedule->campaign));
    auto new_jobs = jobs_.new_rows(*schedule);
    if (campaigns_.schedule(campaign) && new_jobs.empty()) {
        log_debug("gateway", "schedule_duplicate").kv("gateway", config_.id).kv("campaign", campaign);
        return;
    }
    // Stored before anything is acted on: a crash after this line resumes.
    auto st = store_.add_schedule(*schedule, new_jobs);
    if (!st) {
        log_error("gateway", "schedule_store_failed")
            .kv("gateway", config_.id)
            .kv("campaign", campaign)
            .kv("error", st.error().str());
        return;
    }
    // Stored as received (the record of what the manager sent); only verified manifests are ever used.
    auto bad = campaigns_.put_schedule(*schedule);
    for (const auto& [fw, why] : bad) {
        counters_.add("bad_manifest");
        log_warn("gateway", "manifest_rejected")
            .kv("gateway", config_.id)
            .kv("campaign", campaign)
            .kv("fw", fw)
            .kv("topic", topic)
            .kv("error", why);
    }
    log_info("gateway", "schedule_stored")
        .kv("gateway", config_.id)
        .kv("campaign", campaign)
        .kv("mode", to_string(schedule->mode))
        .kv("update_at", format_time(schedule->update_at))
        .kv("images", schedule->firmware.size())
        .kv("devices", schedule->devices.size())
        .kv("new_jobs", new_jobs.size());
    jobs_.adopt(new_jobs);
    if (!bad.empty()) fail_jobs_with_bad_manifests(*schedule, bad);
    if (const CampaignHold* hold = campaigns_.hold(campaign)) {
        // The campaign was paused or canceled here before these jobs came: they are held or canceled too.
        for (const auto& j : new_jobs)
            if (JobRow* job = jobs_.find(j.campaign, j.device)) apply_campaign_hold(*job, *hold, clock_.now());
    }
    dirty_ = true;
}

void Gateway::forget_schedule(const std::string& campaign) {
    if (!campaigns_.schedule(campaign)) return;
    // Only the manager clears a schedule, and only after every target of this
    // gateway ended: an empty retained message while jobs are still open is a
    // stray (or hostile) publish, never an instruction to drop running work.
    std::size_t open = 0;
    for (auto it = jobs_.rows().lower_bound({campaign, ""}); it != jobs_.rows().end() && it->first.first == campaign;
         ++it)
        if (!is_terminal(it->second.state)) ++open;
    if (open > 0) {
        counters_.add("schedule_clear_refused");
        log_warn("gateway", "schedule_clear_refused")
            .kv("gateway", config_.id)
            .kv("campaign", campaign)
            .kv("open_jobs", open)
            .kv("schedule_clear_refused", counters_.get("schedule_clear_refused"));
        send_digest();  // the manager sees the campaign is still held here and restores its schedule
        return;
    }
    auto st = store_.remove_schedule(campaign);
    if (!st) {
        log_error("gateway", "schedule_remove_failed")
            .kv("gateway", config_.id)
            .kv("campaign", campaign)
            .kv("error", st.error().str());
        return;
    }
    campaigns_.forget(campaign);
    std::erase_if(fanout_marks_, [&](const auto& kv) { return kv.first.first == campaign; });
    jobs_.forget_campaign(campaign);
    plans_.forget_campaign(campaign);
    log_info("gateway", "schedule_cleared").kv("gateway", config_.id).kv("campaign", campaign);
}

void Gateway::fail_jobs_with_bad_manifests(const Schedule& s, const std::map<std::string, std::string>& bad) {
    for (const auto& t : s.devices) {
        for (const auto& fw : t.fw_ids) {
            auto why = bad.find(fw);
            if (why == bad.end()) continue;
            JobRow* job = jobs_.find(s.campaign, t.device);
            if (job && !is_terminal(job->state))
                jobs_.apply(*job, JobEvent::Rejected, clock_.now(), "bad_manifest: " + why->second);
            break;
        }
    }
}

void Gateway::run_schedules(TimePoint now) {
    for (const auto& [campaign, schedule] : campaigns_.schedules()) run_schedule(schedule, now);
}

void Gateway::run_schedule(const Schedule& schedule, TimePoint now) {
    auto& rows = jobs_.rows();
    auto first = rows.lower_bound({schedule.campaign, ""});
    auto in_campaign = [&](auto it) { return it != rows.end() && it->first.first == schedule.campaign; };

    if (check_expiry(schedule, now)) return;
    if (schedule.update_at > now || campaigns_.held(schedule.campaign)) return;  // issue 16: paused or canceled

    // Issue 16 item 4: this gateway's share of the campaign's rate limits.
    const GatewayLimits& limits = schedule.limits;
    std::vector<TimePoint> starts;  // first offers of the campaign's jobs here
    std::size_t in_transfer = 0;    // requesting or transferring
    if (limits.any())
        for (auto it = first; in_campaign(it); ++it) {
            const JobRow& j = it->second;
            if (j.started_at) starts.push_back(*j.started_at);
            if (j.state == JobState::Requesting || j.state == JobState::Transferring) ++in_transfer;
        }

    for (auto it = first; in_campaign(it); ++it) {
        JobRow& job = it->second;
        if (!job.necessary || is_terminal(job.state) || job.suspended || job.paused) continue;
        if (job.update_at > now) continue;  // a retry's backoff (R17); busy, defer, no response (R13, R14)
        bool waiting = job.state == JobState::Waiting || job.state == JobState::Fetching;
        bool reoffer = job.offer_pending;  // held by Requesting and Transferring jobs only
        if (!waiting && !reoffer) continue;
        // Issue 16 item 5: outside the maintenance window nothing new starts
        // and nothing is fetched; a transfer already offered goes on.
        if (!reoffer && !window_open_) continue;
        if (!all_cached(job)) {
            for (const auto& fw : job.fw_ids)
                if (const auto* m = manifest(fw)) fetcher_.want(*m);
            jobs_.apply(job, JobEvent::FetchStarted, now);
            continue;
        }
        if (device_offline(job.device)) continue;
        if (!reoffer) {
            // A retry enters transfer again (concurrency) but started before (rate).
            if (!transfer_allowed(limits, in_transfer)) continue;
            if (!job.started_at && !start_allowed(limits, schedule.update_at, now, starts)) continue;
            if (!may_start(job, now)) continue;
        }
        const bool first_offer = !job.started_at;
        offer(job, now);
        if (!reoffer && job.state == JobState::Requesting) {
            ++in_transfer;
            if (first_offer && job.started_at) starts.push_back(*job.started_at);
        }
    }
}

}  // namespace fleetcast::gateway
