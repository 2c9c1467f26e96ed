// Device state and device events (topics.md flow steps 3-7).
#include <algorithm>

#include "common/log.hpp"
#include "common/topics.hpp"
#include "gateway/gateway.hpp"

namespace fleetcast::gateway {

namespace {
bool same_state(const DeviceState& a, const DeviceState& b) {
    return a.model == b.model && a.status == b.status && a.firmware == b.firmware && a.activity == b.activity &&
           a.service_call == b.service_call && a.deferment == b.deferment;
}
std::string campaign_of(const DeviceEvent& e) {
    return std::visit([](const auto& ev) { return ev.campaign; }, e);
}
}  // namespace

void Gateway::on_device_state(const std::string& topic, const std::string& device, const std::string& payload) {
    if (payload.empty()) return;  // retained state cleared
    auto state = decode_device_state(payload);
    if (!state) return bad_input("device_state", topic, state.error());
    if (state->device != device || state->gateway != config_.id)
        return bad_input("device_state", topic,
                         make_error("bad_id", "payload names device " + state->device + " on gateway " + state->gateway));
    if (state->status == DeviceStatus::Offline) {
        // The will carries no versions: keep the last ones known.
        auto known = devices_.find(device);
        if (known != devices_.end()) {
            state->firmware = known->second.firmware;
            state->at = known->second.at;
        }
    }
    auto it = devices_.find(device);
    bool was_offline = it != devices_.end() && it->second.status == DeviceStatus::Offline;
    if (it != devices_.end() && same_state(it->second, *state)) return;
    auto st = store_.save_device(*state);
    if (!st) {
        log_error("gateway", "device_store_failed").kv("gateway", config_.id).kv("device", device).kv("error", st.error().str());
        return;
    }
    devices_[device] = *state;
    log_info("gateway", "device_seen")
        .kv("gateway", config_.id)
        .kv("device", device)
        .kv("model", state->model)
        .kv("status", to_string(state->status));
    st = transport_.publish(topics::gw_report(config_.id), encode(DeviceSeenReport{*state}));
    if (!st) log_warn("gateway", "report_failed").kv("device", device).kv("error", st.error().str());
    if (was_offline && state->status != DeviceStatus::Offline) {
        // Back online: an update that was in transfer is offered again.
        for (const auto& [key, job] : jobs_.rows()) {
            if (key.second != device) continue;
            if (job.state == JobState::Transferring || job.state == JobState::Requesting) offer_pending_.insert(key);
            if (!job.cancel_pending.empty() && !is_terminal(job.state)) send_cancel(job, "resend", job.cancel_pending);
        }
        dirty_ = true;
    }
}

void Gateway::on_device_event(const std::string& topic, const std::string& device, const std::string& payload) {
    auto event = decode_device_event(payload);
    if (!event) return bad_input("device_event", topic, event.error());
    std::string campaign = campaign_of(*event);
    if (auto* power_on = std::get_if<PowerOnEvent>(&*event); power_on && campaign.empty()) {
        log_debug("gateway", "power_on").kv("gateway", config_.id).kv("device", device).kv("boot_count", power_on->boot_count);
        return;
    }
    JobRow* job = jobs_.find(campaign, device);
    if (!job) {
        if (std::holds_alternative<PowerOnEvent>(*event)) {
            // e.g. the schedule was already cleared: nothing left to decide.
            log_info("gateway", "power_on_without_job").kv("gateway", config_.id).kv("campaign", campaign).kv("device", device);
            return;
        }
        return bad_input("device_event", topic, make_error("unknown_job", "no job for campaign " + campaign));
    }
    std::visit(
        [&](const auto& e) {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, ReadyEvent>) on_ready(topic, *job, e);
            else if constexpr (std::is_same_v<T, NeedEvent>) on_need(topic, *job, e);
            else if constexpr (std::is_same_v<T, ProgressEvent>) on_progress(*job, e);
            else if constexpr (std::is_same_v<T, PowerOnEvent>) on_power_on(*job, e);
            else if constexpr (std::is_same_v<T, ErrorEvent>) on_error(*job, e);
            else if constexpr (std::is_same_v<T, DeferredEvent>) on_deferred(*job, e);
            else if constexpr (std::is_same_v<T, DeferRequestEvent>) on_defer_request(*job, e.request_id, e.by, "panel");
            else on_canceled(*job, e);
        },
        *event);
}

void Gateway::on_ready(const std::string& topic, JobRow& job, const ReadyEvent& e) {
    if (job.state == JobState::Canceled) {
        send_cancel(job, "resend", job.cancel_pending.empty() ? "operator" : job.cancel_pending);
        return;
    }
    if (job.state == JobState::Requesting) {
        // The device answered the communication request: transmission may start (R11).
        answer_due_.erase({job.campaign, job.device});
        jobs_.apply(job, JobEvent::Answered, clock_.now());  // the comment (e.g. a move) stays
    }
    if (job.state != JobState::Transferring) {
        log_info("gateway", "ready_ignored").kv("campaign", job.campaign).kv("device", job.device).kv("state", to_string(job.state));
        return;
    }
    for (const auto& fw : e.fw_ids) {
        if (std::find(job.fw_ids.begin(), job.fw_ids.end(), fw) == job.fw_ids.end()) {
            bad_input("ready", topic, make_error("unknown_firmware", "job does not include firmware " + fw));
            continue;
        }
        log_info("gateway", "device_ready").kv("gateway", config_.id).kv("campaign", job.campaign).kv("device", job.device).kv("fw", fw);
        // A device that answers after the fan-out ended gets fanout_done now
        // and asks for what it lacks.
        if (plans_.ready({job.campaign, fw}, job.device, clock_.now()) == FanoutPlans::Phase::Done)
            send_fanout_done(job.campaign, job.device, fw);
    }
}

void Gateway::on_need(const std::string& topic, JobRow& job, const NeedEvent& e) {
    if (std::find(job.fw_ids.begin(), job.fw_ids.end(), e.fw_id) == job.fw_ids.end())
        return bad_input("need", topic, make_error("unknown_firmware", "job does not include firmware " + e.fw_id));
    if (job.suspended) {
        // R19: nothing is sent to a suspended device until the resume.
        log_info("gateway", "need_ignored").kv("campaign", job.campaign).kv("device", job.device).kv("why", "suspended");
        return;
    }
    const auto* m = manifest(e.fw_id);
    if (!m || !fetcher_.cached(e.fw_id)) {
        log_warn("gateway", "need_not_cached").kv("campaign", job.campaign).kv("device", job.device).kv("fw", e.fw_id);
        return;
    }
    auto queued = sender_.queue_repair(job.device, *m, fetcher_.cached_path(e.fw_id), e.ranges, config_.max_need_chunks);
    log_info("gateway", "need_queued")
        .kv("gateway", config_.id)
        .kv("campaign", job.campaign)
        .kv("device", job.device)
        .kv("fw", e.fw_id)
        .kv("ranges", e.ranges.size())
        .kv("chunks", queued);
}

void Gateway::on_progress(JobRow& job, const ProgressEvent& e) {
    if (e.phase == "installing") rates_.delivered(job.campaign, job.device);
    if (e.phase == "installing") jobs_.apply(job, JobEvent::Installing, clock_.now());
    else if (e.phase == "restarting") jobs_.apply(job, JobEvent::Restarting, clock_.now());
    // R16: the power-on report is due within the campaign's timeout from here.
    if (job.state == JobState::Installing || job.state == JobState::Restarting)
        restart_since_.try_emplace({job.campaign, job.device}, clock_.now());
    jobs_.set_progress(job, e.percent);
}

void Gateway::on_power_on(JobRow& job, const PowerOnEvent& e) {
    std::string mismatch;
    for (const auto& fw : job.fw_ids) {
        const auto* m = manifest(fw);
        if (!m) continue;
        auto it = e.firmware.find(m->component);
        std::string booted = it == e.firmware.end() ? "none" : it->second;
        if (booted != m->version && mismatch.empty())
            mismatch = "boot_failed: booted version " + booted + ", expected " + m->version + " (" + m->component + ")";
    }
    restart_since_.erase({job.campaign, job.device});
    if (mismatch.empty()) {
        // A cancel that reached the device after its boot pointer flipped changed nothing (R15).
        std::string note = job.cancel_pending.empty()
                               ? std::string()
                               : "cancel (" + job.cancel_pending + ") came too late: the boot pointer had flipped";
        if (jobs_.apply(job, JobEvent::BootedExpected, clock_.now(), note, &e.firmware)) plans_.withdraw(job.campaign, job.device);
        return;
    }
    // R16: the old version came back (the new image did not boot): a failed attempt.
    if (!next_state(job.state, JobEvent::BootedOther)) return;
    job.firmware = e.firmware;
    attempt_failed(job, JobEvent::BootedOther, mismatch, clock_.now());
}

void Gateway::on_error(JobRow& job, const ErrorEvent& e) {
    std::string detail = e.code + ": " + e.detail;
    if (!e.fw_id.empty()) detail += " (fw " + e.fw_id + ")";
    if (!next_state(job.state, JobEvent::DeviceError)) return;
    // A wrong model, a refused downgrade or a bad manifest fails the same way
    // every time: no retry for those (R17).
    if (e.code == "rejected" || e.code == "bad_manifest") {
        if (jobs_.apply(job, JobEvent::DeviceError, clock_.now(), detail)) plans_.withdraw(job.campaign, job.device);
        return;
    }
    attempt_failed(job, JobEvent::DeviceError, detail, clock_.now());
}

}  // namespace fleetcast::gateway
