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

void Gateway::attempt_failed(JobRow& job, JobEvent final_event, const std::string& detail, TimePoint now,
                             const Versions* firmware) {
    const RetryPolicy policy = campaigns_.retry_policy(job.campaign);
    const std::uint32_t attempt = job.attempts + 1;  // the table counts it (ends_attempt)
    if (may_retry(policy, attempt) && next_state(job.state, JobEvent::RetryScheduled)) {
        const TimePoint at = now + retry_delay(policy, attempt);
        std::string comment = detail + " (retry " + std::to_string(attempt) + "/" + std::to_string(policy.max_retries) +
                              " at " + format_time(at) + ")";
        if (!jobs_.apply(job, JobEvent::RetryScheduled, now,
                         JobChange{.detail = comment, .update_at = at, .firmware = firmware}))
            return;
        job_line(log_info("gateway", "retry_scheduled"), job)
            .kv("attempt", job.attempts)
            .kv("max_retries", policy.max_retries)
            .kv("at", format_time(job.update_at));
        dirty_ = true;
        return;
    }
    std::string comment = detail;
    if (policy.max_retries > 0) comment += " (after " + std::to_string(policy.max_retries) + " retries)";
    jobs_.apply(job, final_event, now, comment, firmware);
}

void Gateway::check_power_on(TimePoint now) {
    for (auto& [key, job] : jobs_.rows()) {
        if (!awaits_power_on(job.state)) continue;
        // The deadline is armed when the job enters Installing (and stored
        // with the row); a row of an older gateway.db has none yet.
        if (!job.power_on_since) {
            jobs_.arm_power_on(job, now);
            continue;
        }
        const auto timeout = campaigns_.retry_policy(job.campaign).power_on_timeout;
        if (now - *job.power_on_since < timeout) continue;
        log_warn("gateway", "no_power_on")
            .kv("gateway", config_.id)
            .kv("campaign", job.campaign)
            .kv("device", job.device);
        attempt_failed(job, JobEvent::NoPowerOn, "no_power_on: no power-on report within " + seconds_text(timeout),
                       now);
    }
}

bool Gateway::check_expiry(const Schedule& schedule, TimePoint now) {
    if (!schedule.expires_at) return false;
    const TimePoint expires_at = *schedule.expires_at;
    bool expired = now >= expires_at;
    auto& rows = jobs_.rows();
    for (auto it = rows.lower_bound({schedule.campaign, ""}); it != rows.end() && it->first.first == schedule.campaign;
         ++it) {
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
        if (auto why = cannot_finish(remaining, *rate, now, expires_at))
            expire(job, "EXPIRED: cannot finish in time: " + *why, now);
    }
    // Nothing left to send to: stop the campaign's fan-outs.
    bool all_ended = true;
    for (auto it = rows.lower_bound({schedule.campaign, ""}); it != rows.end() && it->first.first == schedule.campaign;
         ++it)
        if (it->second.necessary && !is_terminal(it->second.state)) all_ended = false;
    if (all_ended)
        for (const auto& m : schedule.firmware) sender_.stop_fanout({schedule.campaign, m.fw_id});
    return expired;
}

void Gateway::expire(JobRow& job, const std::string& detail, TimePoint now) {
    // A requesting device may be waiting out its deferment (R12): it is told too.
    bool was_sending = job.state == JobState::Transferring || job.state == JobState::Requesting;
    if (!jobs_.apply(job, JobEvent::Expired, now, detail)) return;
    job_line(log_warn("gateway", "transfer_expired"), job).kv("detail", detail);
    if (!was_sending) return;
    auto st = publish_counted(topics::dev_cmd(config_.id, job.device), encode(ExpireCmd{job.campaign}));
    if (!st)
        log_warn("gateway", "expire_send_failed")
            .kv("campaign", job.campaign)
            .kv("device", job.device)
            .kv("error", st.error().str());
}

}  // namespace fleetcast::gateway
