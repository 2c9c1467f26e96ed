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
    bool holdable = suspend ? can_suspend(job.state) : !is_terminal(job.state);
    if (!holdable || job.suspended == suspend) {
        // Too late (writing, ended) or nothing to change: only the request id is kept.
        jobs_.save(job, before);
        return line(suspend ? "suspend_ignored" : "resume_ignored");
    }
    const bool tell_device = suspend && (job.state == JobState::Requesting || job.state == JobState::Transferring);
    std::string comment = std::string(suspend ? "suspended" : "resumed") + " by operator at " + format_time(now);
    // The table's exit actions take the device out of the fan-out plans, stop
    // what nobody else listens to and drop its repairs.
    if (!jobs_.apply(job, suspend ? JobEvent::Suspended : JobEvent::Resumed, now, comment)) {
        job = before;
        return line("suspend_store_failed");
    }
    if (!suspend) {
        dirty_ = true;  // offered again at the next scan once its update time has come
        return line("update_resumed");
    }
    if (tell_device) {
        auto st =
            publish_counted(topics::dev_cmd(config_.id, job.device), encode(SuspendCmd{job.campaign, request_id}));
        if (!st) log_warn("gateway", "suspend_send_failed").kv("device", job.device).kv("error", st.error().str());
    }
    line("update_suspended");
}

}  // namespace fleetcast::gateway
