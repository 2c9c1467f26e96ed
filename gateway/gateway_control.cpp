// The device handshake and what moves or stops a device's update (R11-R15):
// the answer deadline of a communication request, the status check before
// starting (busy, service call types A-D), defer and cancel from the device
// panel (device events) or the operator (gw/{gw}/cmd).
#include <algorithm>
#include <ctime>

#include "common/log.hpp"
#include "common/topics.hpp"
#include "gateway/gateway.hpp"

namespace fleetcast::gateway {

namespace {
// "18:20:05" (UTC): the comment of the gateway table (Figs. 34-35).
std::string hhmmss(TimePoint t) {
    auto full = format_time(t);  // 2026-11-25T18:20:05.000Z
    return full.size() >= 19 ? full.substr(11, 8) : full;
}

// What the device's status means for starting its update now (R13). Busy and
// service call types A, B and D block; C is only logged and does not block.
// An error without a type is treated like A (we cannot know it is harmless).
std::string blocking_reason(const DeviceState& d) {
    if (d.status == DeviceStatus::Busy) return "busy" + (d.activity.empty() ? std::string() : " (" + d.activity + ")");
    if (d.status != DeviceStatus::Error || d.service_call == "C") return {};
    return d.service_call.empty() ? "error" : "service call type " + d.service_call;
}
}  // namespace

bool Gateway::may_start(JobRow& job, TimePoint now) {
    auto it = devices_.find(job.device);
    if (it == devices_.end()) return true;  // never seen: the request will time out if nobody is there
    auto reason = blocking_reason(it->second);
    if (reason.empty()) {
        if (it->second.status == DeviceStatus::Error)
            job_line(log_info("gateway", "service_call_not_blocking"), job).kv("type", it->second.service_call);
        return true;
    }
    postpone(job, now, config_.defer_period, reason);
    return false;
}

void Gateway::postpone(JobRow& job, TimePoint now, Millis by, const std::string& reason) {
    JobState was = job.state;
    TimePoint from = std::max(job.update_at, now);
    TimePoint to = from + by;
    std::string comment = reason + ": " + hhmmss(from) + " -> " + hhmmss(to);
    if (!jobs_.apply(job, JobEvent::Postponed, now, JobChange{.detail = comment, .update_at = to})) return;
    job_line(log_info("gateway", "update_postponed"), job).kv("reason", reason).kv("update_at", format_time(to));
    if (was == JobState::Requesting) {
        // The device may be waiting out its deferment: it drops the request.
        auto st = publish_counted(
            topics::dev_cmd(config_.id, job.device),
            encode(PostponeCmd{job.campaign, "postpone-" + std::to_string(to.time_since_epoch().count()), to}));
        if (!st) log_warn("gateway", "postpone_failed").kv("device", job.device).kv("error", st.error().str());
    }
}

void Gateway::check_answers(TimePoint now) {
    // A device answers only once its process got to the offer: a simulator
    // with 500 devices, or a site whose broker queues 1,000 offers, answers
    // over many seconds. While answers still arrive from this site the ones
    // not yet heard from are most likely queued behind them, so a deadline
    // counts from the later of its offer and the site's latest answer.
    if (now - last_answer_at_ < config_.answer_timeout) return;
    std::vector<JobRow*> late;  // only Requesting jobs wait for an answer (job_machine.cpp)
    for (auto& [key, job] : jobs_.rows())
        if (job.answer_due && now >= *job.answer_due) late.push_back(&job);
    // R11: shown as "no response", retried after the configured period.
    for (auto* job : late) postpone(*job, now, config_.defer_period, std::string(kNoResponse));
}

void Gateway::on_deferred(JobRow& job, const DeferredEvent& e) {
    if (job.state != JobState::Requesting) {
        log_info("gateway", "deferred_ignored")
            .kv("campaign", job.campaign)
            .kv("device", job.device)
            .kv("state", to_string(job.state));
        return;
    }
    auto now = clock_.now();
    last_answer_at_ = now;
    // The device answers at `until` (its deferment period, R12).
    jobs_.apply(job, JobEvent::Deferred, now,
                JobChange{.detail = "device deferment: answers at " + hhmmss(e.until), .update_at = e.until});
}

bool Gateway::remember_request(JobRow& job, const std::string& request_id) {
    if (std::find(job.applied_requests.begin(), job.applied_requests.end(), request_id) != job.applied_requests.end()) {
        counters_.add("duplicate_request");
        job_line(log_info("gateway", "duplicate_request"), job).kv("request", request_id);
        return false;
    }
    job.applied_requests.push_back(request_id);
    if (job.applied_requests.size() > kMaxAppliedRequests) job.applied_requests.erase(job.applied_requests.begin());
    return true;
}

void Gateway::on_defer_request(JobRow& job, const std::string& request_id, std::optional<Millis> by,
                               const std::string& source) {
    JobRow before = job;
    if (!remember_request(job, request_id)) return;
    if (!can_defer(job.state)) {
        job_line(log_warn("gateway", "defer_refused"), job).kv("source", source).kv("state", to_string(job.state));
        jobs_.save(job, before);  // the id is remembered all the same
        return;
    }
    postpone(job, clock_.now(), by.value_or(config_.defer_period), "deferred by " + source);
    if (job.applied_requests != before.applied_requests && job.state != JobState::Waiting) jobs_.save(job, before);
}

void Gateway::send_cancel(const JobRow& job, const std::string& request_id, const std::string& by) {
    auto st = publish_counted(topics::dev_cmd(config_.id, job.device), encode(CancelCmd{job.campaign, request_id, by}));
    if (!st) log_warn("gateway", "cancel_failed").kv("device", job.device).kv("error", st.error().str());
}

void Gateway::on_cancel_request(JobRow& job, const std::string& request_id, const std::string& source) {
    auto now = clock_.now();
    auto line = [&](const char* what) {
        log_info("gateway", what)
            .kv("gateway", config_.id)
            .kv("campaign", job.campaign)
            .kv("device", job.device)
            .kv("source", source)
            .kv("state", to_string(job.state));
    };
    if (is_terminal(job.state) || !job.cancel_pending.empty()) return line("cancel_duplicate");
    if (job_rules::can_cancel(job.state) && !job_rules::cancel_needs_device(job.state)) {
        // Nothing was transmitted: the gateway cancels on its own; a device
        // waiting out its deferment is told to drop the request.
        bool tell = job.state == JobState::Requesting;
        if (!jobs_.apply(job, JobEvent::Canceled, now, "canceled by " + source + " before transfer")) return;
        if (tell) send_cancel(job, request_id, source);
        return line("update_canceled");
    }
    if (job_rules::cancel_needs_device(job.state)) {
        // Only the device knows whether its boot pointer flipped: it answers canceled.
        if (!jobs_.apply(job, JobEvent::CancelRequested, now,
                         JobChange{.detail = "cancel requested by " + source, .cancel_by = source}))
            return;
        send_cancel(job, request_id, source);
        return line("cancel_sent");
    }
    JobRow before = job;
    job.comment = "cancel by " + source + " refused: the boot pointer already flipped";
    jobs_.save(job, before);
    return line("cancel_refused");
}

void Gateway::on_canceled(JobRow& job, const CanceledEvent& e) {
    if (is_terminal(job.state)) {
        log_info("gateway", "canceled_duplicate")
            .kv("campaign", job.campaign)
            .kv("device", job.device)
            .kv("state", to_string(job.state));
        return;
    }
    std::string stage = job.state == JobState::Installing     ? "during writing"
                        : job.state == JobState::Transferring ? "during transfer"
                                                              : "before transfer";
    jobs_.apply(job, JobEvent::Canceled, clock_.now(), "canceled by " + e.by + " " + stage + "; old firmware kept");
}

void Gateway::on_gateway_command(const std::string& topic, const std::string& payload) {
    auto cmd = decode_gateway_command(payload);
    if (!cmd) return bad_input("gateway_command", topic, cmd.error());
    std::visit(
        [&](const auto& c) {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, GwResyncCmd>) {
                on_resync(c);
            } else if constexpr (std::is_same_v<T, GwCampaignCmd>) {
                on_campaign_command(c);
            } else if constexpr (std::is_same_v<T, GwSetParamCmd>) {
                log_info("gateway", "set_param_forwarded")
                    .kv("gateway", config_.id)
                    .kv("device", c.device)
                    .kv("name", c.name)
                    .kv("value_ms", c.value.count());
                auto st = publish_counted(topics::dev_cmd(config_.id, c.device),
                                          encode(SetParamCmd{c.name, c.value, c.request_id}));
                if (!st) log_warn("gateway", "set_param_failed").kv("device", c.device).kv("error", st.error().str());
            } else {
                JobRow* job = jobs_.find(c.campaign, c.device);
                if (!job)
                    return bad_input(
                        "gateway_command", topic,
                        make_error("unknown_job", "no job for device " + c.device + " in campaign " + c.campaign));
                if constexpr (std::is_same_v<T, GwDeferCmd>) on_defer_request(*job, c.request_id, c.by, "operator");
                else if constexpr (std::is_same_v<T, GwSuspendCmd>) on_suspend_request(*job, c.request_id, c.suspend);
                else on_cancel_request(*job, c.request_id, "operator");
            }
        },
        *cmd);
}

}  // namespace fleetcast::gateway
