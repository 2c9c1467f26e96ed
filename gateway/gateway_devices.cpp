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
        return bad_input(
            "device_state", topic,
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
    bool stopped_updating =
        it != devices_.end() && it->second.status == DeviceStatus::Updating && state->status == DeviceStatus::Idle;
    if (it != devices_.end() && same_state(it->second, *state)) return;
    auto st = store_.save_device(*state);
    if (!st) {
        log_error("gateway", "device_store_failed")
            .kv("gateway", config_.id)
            .kv("device", device)
            .kv("error", st.error().str());
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
        // Back online: an update that was in transfer is offered again, and
        // one postponed because the device did not answer (it was gone) is
        // due now rather than a whole period later.
        const auto now = clock_.now();
        jobs_.apply_all(JobEvent::OfferAgain, now,
                        [&](const JobRow& job) { return job.device == device && may_be_reoffered(job.state); });
        for (auto& [key, job] : jobs_.rows()) {
            if (key.second != device || job.state != JobState::Waiting || job.suspended || job.paused ||
                job.update_at <= now || job.comment.rfind(kNoResponse, 0) != 0)
                continue;
            if (jobs_.apply(job, JobEvent::DeviceBack, now,
                            JobChange{.detail = "device back online: offered again", .update_at = now}))
                job_line(log_info("gateway", "update_due_again"), job).kv("reason", "device back online");
        }
        for (const auto& [key, job] : jobs_.rows())
            if (key.second == device && !job.cancel_pending.empty() && !is_terminal(job.state))
                send_cancel(job, "resend", job.cancel_pending);
        dirty_ = true;
    } else if (stopped_updating) {
        // The device no longer updates while its job is in transfer here: the
        // events that said why (progress, power_on) were lost, e.g. published
        // to a restarted broker before we had subscribed again. Offered again,
        // it answers from its partial slot, or with its power-on report when
        // it has installed the image already.
        auto n = jobs_.apply_all(JobEvent::OfferAgain, clock_.now(), [&](const JobRow& job) {
            return job.device == device && job.state == JobState::Transferring;
        });
        if (n > 0) {
            log_warn("gateway", "transfers_reoffered")
                .kv("gateway", config_.id)
                .kv("device", device)
                .kv("jobs", n)
                .kv("why", "device idle during its transfer");
            dirty_ = true;
        }
    }
}

void Gateway::on_device_event(const std::string& topic, const std::string& device, const std::string& payload) {
    auto event = decode_device_event(payload);
    if (!event) return bad_input("device_event", topic, event.error());
    std::string campaign = campaign_of(*event);
    if (auto* power_on = std::get_if<PowerOnEvent>(&*event); power_on && campaign.empty()) {
        log_debug("gateway", "power_on")
            .kv("gateway", config_.id)
            .kv("device", device)
            .kv("boot_count", power_on->boot_count);
        return;
    }
    JobRow* job = jobs_.find(campaign, device);
    if (!job) {
        if (std::holds_alternative<PowerOnEvent>(*event)) {
            // e.g. the schedule was already cleared: nothing left to decide.
            log_info("gateway", "power_on_without_job")
                .kv("gateway", config_.id)
                .kv("campaign", campaign)
                .kv("device", device);
            return;
        }
        report_unknown_job(campaign, device, *event);
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
            else if constexpr (std::is_same_v<T, DeferRequestEvent>)
                on_defer_request(*job, e.request_id, e.by, "panel");
            else on_canceled(*job, e);
        },
        *event);
}

void Gateway::on_ready(const std::string& topic, JobRow& job, const ReadyEvent& e) {
    last_answer_at_ = clock_.now();
    if (job.state == JobState::Canceled) {
        send_cancel(job, "resend", job.cancel_pending.empty() ? "operator" : job.cancel_pending);
        return;
    }
    if (job.state == JobState::Requesting) {
        // The device answered the communication request: transmission may start (R11).
        job.ready_boot_count = e.boot_count;                 // stored with the change: a power_on must boot past it
        jobs_.apply(job, JobEvent::Answered, clock_.now());  // the comment (e.g. a move) stays
    } else if (job.state == JobState::Transferring && e.boot_count &&
               (!job.ready_boot_count || *e.boot_count > *job.ready_boot_count)) {
        // The device restarted during the transfer and resumed it: count boots from this answer.
        const JobRow before = job;
        job.ready_boot_count = e.boot_count;
        jobs_.save(job, before);
    }
    if (job.state != JobState::Transferring) {
        log_info("gateway", "ready_ignored")
            .kv("campaign", job.campaign)
            .kv("device", job.device)
            .kv("state", to_string(job.state));
        return;
    }
    for (const auto& fw : e.fw_ids) {
        if (std::find(job.fw_ids.begin(), job.fw_ids.end(), fw) == job.fw_ids.end()) {
            bad_input("ready", topic, make_error("unknown_firmware", "job does not include firmware " + fw));
            continue;
        }
        log_info("gateway", "device_ready")
            .kv("gateway", config_.id)
            .kv("campaign", job.campaign)
            .kv("device", job.device)
            .kv("fw", fw);
        // A device that answers after the fan-out ended gets fanout_done now
        // and asks for what it lacks.
        const auto* m = manifest(fw);
        auto missing = e.missing.find(fw);
        auto phase = plans_.ready({job.campaign, fw}, job.device, clock_.now(), m ? m->chunk_count : 0,
                                  missing == e.missing.end() ? nullptr : &missing->second);
        if (phase == FanoutPlans::Phase::Done) send_fanout_done(job.campaign, job.device, fw);
    }
}

void Gateway::on_need(const std::string& topic, JobRow& job, const NeedEvent& e) {
    if (std::find(job.fw_ids.begin(), job.fw_ids.end(), e.fw_id) == job.fw_ids.end())
        return bad_input("need", topic, make_error("unknown_firmware", "job does not include firmware " + e.fw_id));
    if (job.suspended || job.paused) {
        // R19: nothing is sent to a suspended device until the resume (nor while its campaign is paused).
        log_info("gateway", "need_ignored")
            .kv("campaign", job.campaign)
            .kv("device", job.device)
            .kv("why", job.suspended ? "suspended" : "campaign_paused");
        return;
    }
    if (plans_.awaiting({job.campaign, e.fw_id}, job.device)) {
        // The fan-out it answered ready for brings these chunks (e.g. a round
        // after a broker restart); it asks again after fanout_done if need be.
        log_info("gateway", "need_ignored")
            .kv("campaign", job.campaign)
            .kv("device", job.device)
            .kv("why", "fanout_pending");
        return;
    }
    const auto* m = manifest(e.fw_id);
    if (!m || !fetcher_.cached(e.fw_id)) {
        log_warn("gateway", "need_not_cached").kv("campaign", job.campaign).kv("device", job.device).kv("fw", e.fw_id);
        return;
    }
    auto queued =
        sender_.queue_repair(job.device, *m, fetcher_.cached_path(e.fw_id), e.ranges, config_.max_need_chunks);
    if (!queued) {
        counters_.add("bad_topic");
        log_warn("gateway", "repair_failed")
            .kv("campaign", job.campaign)
            .kv("device", job.device)
            .kv("error", queued.error().str());
        return;
    }
    counters_.add("repairs");
    job_line(log_info("gateway", "need_queued"), job)
        .kv("fw", e.fw_id)
        .kv("ranges", e.ranges.size())
        .kv("chunks", *queued);
}

void Gateway::on_progress(JobRow& job, const ProgressEvent& e) {
    if (e.phase == "installing") rates_.delivered(job.campaign, job.device);
    if (e.phase == "installing") note_install(job, JobEvent::Installing);
    else if (e.phase == "restarting") note_install(job, JobEvent::Restarting);
    jobs_.set_progress(job, e.percent);
}

void Gateway::note_install(JobRow& job, JobEvent event) {
    if (is_terminal(job.state)) return;
    const JobRow before = job;
    job.install_seen = true;
    bool changed = jobs_.apply(job, event, clock_.now()) && job.state != before.state;
    // Stored with the state change, or by itself when the table keeps the
    // state (the operator suspended the job while the device was writing).
    if (!changed && !before.install_seen) jobs_.save(job, before);
}

JobEvent Gateway::judge_power_on(const JobRow& job, const PowerOnEvent& e, std::string& detail) const {
    bool after_install = job.install_seen || job.state == JobState::Installing || job.state == JobState::Restarting ||
                         (job.ready_boot_count && e.boot_count > *job.ready_boot_count);
    if (!after_install) {
        detail = "no install of this attempt: no installing/restarting progress, boot count " +
                 std::to_string(e.boot_count) +
                 (job.ready_boot_count ? " not past " + std::to_string(*job.ready_boot_count) + " of the ready"
                                       : std::string(" (the ready carried none)"));
        return JobEvent::BootUnproven;
    }
    std::string unproven;
    for (const auto& fw : job.fw_ids) {
        const auto* m = manifest(fw);
        if (!m) {
            if (unproven.empty()) unproven = "no verified manifest of " + fw + " to compare with";
            continue;
        }
        auto it = e.firmware.find(m->component);
        std::string booted = it == e.firmware.end() ? "none" : it->second;
        if (booted != m->version) {
            detail = "boot_failed: booted version " + booted + ", expected " + m->version + " (" + m->component + ")";
            return JobEvent::BootedOther;
        }
        auto h = e.image_sha256.find(m->component);
        if (h == e.image_sha256.end()) {
            if (unproven.empty()) unproven = "no image SHA-256 for " + m->component + " " + m->version;
            continue;
        }
        // A delta's install booted its target image (issue 17).
        const std::string& expected = installed_sha256(*m);
        if (h->second != expected) {
            detail = "boot_failed: booted image of " + m->component + " " + m->version + " has SHA-256 " +
                     h->second.substr(0, 16) + ", the signed manifest " + expected.substr(0, 16);
            return JobEvent::BootedOther;
        }
    }
    if (!unproven.empty()) {
        detail = unproven;
        return JobEvent::BootUnproven;
    }
    return JobEvent::BootedExpected;
}

void Gateway::on_power_on(JobRow& job, const PowerOnEvent& e) {
    std::string detail;
    const JobEvent event = judge_power_on(job, e, detail);
    if (event == JobEvent::BootUnproven) {
        // A buggy (or, without the production ACL, forged) report: the job and
        // its power-on timeout stay as they are.
        counters_.add("power_on_refused");
        std::string fws;
        for (const auto& fw : job.fw_ids) fws += (fws.empty() ? "" : ",") + fw;
        job_line(log_warn("gateway", "power_on_refused"), job)
            .kv("fw", fws)
            .kv("state", to_string(job.state))
            .kv("boot_count", e.boot_count)
            .kv("reason", detail);
        return;
    }
    if (event == JobEvent::BootedExpected) {
        // A cancel that reached the device after its boot pointer flipped changed nothing (R15).
        std::string note = job.cancel_pending.empty()
                               ? std::string()
                               : "cancel (" + job.cancel_pending + ") came too late: the boot pointer had flipped";
        jobs_.apply(job, JobEvent::BootedExpected, clock_.now(), note, &e.firmware);
        return;
    }
    // R16: the old version came back (the new image did not boot): a failed attempt.
    if (!next_state(job.state, JobEvent::BootedOther)) return;
    attempt_failed(job, JobEvent::BootedOther, detail, clock_.now(), &e.firmware);
}

void Gateway::on_error(JobRow& job, const ErrorEvent& e) {
    std::string detail = e.code + ": " + e.detail;
    if (!e.fw_id.empty()) detail += " (fw " + e.fw_id + ")";
    if (!next_state(job.state, JobEvent::DeviceError)) return;
    if (e.code == "delta_source" && fall_back_to_image(job, e)) return;
    // A wrong model, a refused downgrade or a bad manifest fails the same way
    // every time: no retry for those (R17).
    if (e.code == "rejected" || e.code == "bad_manifest") {
        jobs_.apply(job, JobEvent::Rejected, clock_.now(), detail);
        return;
    }
    attempt_failed(job, JobEvent::DeviceError, detail, clock_.now());
}

bool Gateway::fall_back_to_image(JobRow& job, const ErrorEvent& e) {
    auto listed = std::find(job.fw_ids.begin(), job.fw_ids.end(), e.fw_id);
    const FirmwareManifest* delta = manifest(e.fw_id);
    if (listed == job.fw_ids.end() || !delta || !is_delta(*delta)) return false;
    const std::string image = installed_fw_id(*delta);
    if (!manifest(image)) return false;  // the schedule has no verified image to send instead
    counters_.add("delta_fallback");
    job_line(log_warn("gateway", "delta_fallback"), job).kv("fw", e.fw_id).kv("image", image).kv("reason", e.detail);
    const std::string reason = "delta " + e.fw_id + " refused (" + e.detail + "): full image " + image;
    // Out of its transfer with the delta's fw id (its fan-out plan lets go of it), then the image's.
    const TimePoint now = clock_.now();
    if (job.state == JobState::Requesting) postpone(job, now, Millis(0), reason);
    JobRow before = job;
    *listed = image;
    if (!jobs_.save(job, before)) return false;
    if (job.state != JobState::Waiting) attempt_failed(job, JobEvent::DeviceError, "delta_source: " + reason, now);
    dirty_ = true;
    return true;
}

}  // namespace fleetcast::gateway
