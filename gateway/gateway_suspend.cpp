// The operator's suspend and resume of one device's update (R19). A suspend
// holds the job in Waiting: nothing more is sent to the device, a fan-out
// nobody else listens to stops, and the device is told to stop receiving
// while keeping the chunks it has. A resume lets the schedule offer it again;
// the device answers from its partial image, so only missing chunks follow.
#include "common/log.hpp"
#include "common/topics.hpp"
#include "gateway/gateway.hpp"

namespace fleetcast::gateway {

void Gateway::on_suspend_request(JobRow& job, const std::string& request_id, bool suspend) {
    const JobRow before = job;
    if (!remember_request(job, request_id)) return;
    const auto now = clock_.now();
    auto line = [&](const char* event) {
        log_info("gateway", event)
            .kv("gateway", config_.id)
            .kv("campaign", job.campaign)
            .kv("device", job.device)
            .kv("state", to_string(job.state))
            .kv("request", request_id);
    };
    bool holdable = !is_terminal(job.state) && (!suspend || next_state(job.state, JobEvent::Suspended));
    if (!holdable || job.suspended == suspend) {
        // Too late (writing, ended) or nothing to change: only the request id is kept.
        jobs_.save(job, before);
        return line(suspend ? "suspend_ignored" : "resume_ignored");
    }
    const bool tell_device = suspend && (job.state == JobState::Requesting || job.state == JobState::Transferring);
    job.suspended = suspend;
    std::string comment = std::string(suspend ? "suspended" : "resumed") + " by operator at " + format_time(now);
    bool stored = suspend && job.state != JobState::Waiting ? jobs_.apply(job, JobEvent::Suspended, now, comment)
                                                            : (job.comment = comment, jobs_.save(job, before));
    if (!stored) {
        job = before;
        return line("suspend_store_failed");
    }
    if (!suspend) {
        dirty_ = true;  // offered again at the next scan once its update time has come
        return line("update_resumed");
    }
    const JobKey key{job.campaign, job.device};
    plans_.withdraw(job.campaign, job.device);
    for (const auto& fanout : plans_.unattended(job.campaign)) {
        sender_.stop_fanout(fanout);
        plans_.finished(fanout);
    }
    sender_.drop_repairs(job.device);
    answer_due_.erase(key);
    offer_pending_.erase(key);
    if (tell_device) {
        auto st = transport_.publish(topics::dev_cmd(config_.id, job.device), encode(SuspendCmd{job.campaign, request_id}));
        if (!st) log_warn("gateway", "suspend_send_failed").kv("device", job.device).kv("error", st.error().str());
    }
    line("update_suspended");
}

}  // namespace fleetcast::gateway
