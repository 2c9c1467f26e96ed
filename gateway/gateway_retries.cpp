// Completion, retries and expiry (R16-R18): a failed attempt is tried again
// after an exponential backoff until the campaign's retry limit; a device that
// says it restarts must send its power-on report in time; a campaign that
// expires (or whose transfer cannot finish in time at the measured rate)
// stops, and the device is told to drop its partial image.
#include "common/log.hpp"
#include "common/topics.hpp"
#include "gateway/gateway.hpp"
#include "gateway/retry_policy.hpp"

namespace fleetcast::gateway {

namespace {
std::string seconds_text(Millis m) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(m.count()) / 1000.0);
    return buf;
}
}  // namespace

RetryPolicy Gateway::retry_policy(const std::string& campaign) const {
    auto it = schedules_.find(campaign);
    return it == schedules_.end() ? RetryPolicy{} : it->second.retry;
}

void Gateway::attempt_failed(JobRow& job, JobEvent final_event, const std::string& detail, TimePoint now) {
    restart_since_.erase({job.campaign, job.device});
    const RetryPolicy policy = retry_policy(job.campaign);
    const JobRow before = job;
    if (may_retry(policy, job.attempts + 1) && next_state(job.state, JobEvent::RetryScheduled)) {
        job.attempts += 1;
        job.update_at = now + retry_delay(policy, job.attempts);
        std::string comment = detail + " (retry " + std::to_string(job.attempts) + "/" +
                              std::to_string(policy.max_retries) + " at " + format_time(job.update_at) + ")";
        if (!jobs_.apply(job, JobEvent::RetryScheduled, now, comment)) {
            job = before;
            return;
        }
        plans_.withdraw(job.campaign, job.device);
        sender_.drop_repairs(job.device);
        log_info("gateway", "retry_scheduled")
            .kv("gateway", config_.id)
            .kv("campaign", job.campaign)
            .kv("device", job.device)
            .kv("attempt", job.attempts)
            .kv("max_retries", policy.max_retries)
            .kv("at", format_time(job.update_at));
        dirty_ = true;
        return;
    }
    job.attempts += 1;
    std::string comment = detail;
    if (policy.max_retries > 0) comment += " (after " + std::to_string(policy.max_retries) + " retries)";
    if (!jobs_.apply(job, final_event, now, comment)) {
        job = before;
        return;
    }
    plans_.withdraw(job.campaign, job.device);
    sender_.drop_repairs(job.device);
}

void Gateway::check_power_on(TimePoint now) {
    for (auto& [key, job] : jobs_.rows()) {
        bool restarting = job.state == JobState::Installing || job.state == JobState::Restarting;
        if (!restarting) {
            restart_since_.erase(key);
            continue;
        }
        // Armed when first seen in this process: after a gateway restart the
        // device gets the whole timeout again.
        auto [it, inserted] = restart_since_.try_emplace(key, now);
        if (inserted) continue;
        const auto timeout = retry_policy(job.campaign).power_on_timeout;
        if (now - it->second < timeout) continue;
        log_warn("gateway", "no_power_on").kv("gateway", config_.id).kv("campaign", job.campaign).kv("device", job.device);
        attempt_failed(job, JobEvent::NoPowerOn, "no_power_on: no power-on report within " + seconds_text(timeout), now);
    }
}

bool Gateway::check_expiry(const Schedule& schedule, TimePoint now) {
    if (!schedule.expires_at) return false;
    const TimePoint expires_at = *schedule.expires_at;
    bool expired = now >= expires_at;
    auto& rows = jobs_.rows();
    for (auto it = rows.lower_bound({schedule.campaign, ""}); it != rows.end() && it->first.first == schedule.campaign; ++it) {
        JobRow& job = it->second;
        if (!job.necessary || is_terminal(job.state)) continue;
        if (expired) {
            expire(job, "EXPIRED: not completed by " + format_time(expires_at), now);
            continue;
        }
        // R18 early stop: only a transfer in progress, with a measured device rate.
        if (job.state != JobState::Transferring) continue;
        auto rate = rates_.device_rate(job.device);
        if (!rate) continue;
        std::uint64_t total = 0;
        for (const auto& fw : job.fw_ids)
            if (const auto* m = manifest(fw)) total += m->size;
        std::uint64_t remaining = total - total * std::min<std::uint32_t>(job.progress, 100) / 100;
        if (auto why = cannot_finish(remaining, *rate, now, expires_at)) expire(job, "EXPIRED: cannot finish in time: " + *why, now);
    }
    // Nothing left to send to: stop the campaign's fan-outs.
    bool all_ended = true;
    for (auto it = rows.lower_bound({schedule.campaign, ""}); it != rows.end() && it->first.first == schedule.campaign; ++it)
        if (it->second.necessary && !is_terminal(it->second.state)) all_ended = false;
    if (all_ended)
        for (const auto& m : schedule.firmware) sender_.stop_fanout({schedule.campaign, m.fw_id});
    return expired;
}

void Gateway::expire(JobRow& job, const std::string& detail, TimePoint now) {
    // A requesting device may be waiting out its deferment (R12): it is told too.
    bool was_sending = job.state == JobState::Transferring || job.state == JobState::Requesting;
    if (!jobs_.apply(job, JobEvent::Expired, now, detail)) return;
    plans_.withdraw(job.campaign, job.device);
    sender_.drop_repairs(job.device);
    log_warn("gateway", "transfer_expired")
        .kv("gateway", config_.id)
        .kv("campaign", job.campaign)
        .kv("device", job.device)
        .kv("detail", detail);
    if (!was_sending) return;
    auto st = transport_.publish(topics::dev_cmd(config_.id, job.device), encode(ExpireCmd{job.campaign}));
    if (!st) log_warn("gateway", "expire_send_failed").kv("campaign", job.campaign).kv("device", job.device).kv("error", st.error().str());
}

}  // namespace fleetcast::gateway
