// Schedules, the image cache, offers and fan-out (topics.md flow steps 2-4).
#include "common/log.hpp"
#include "common/topics.hpp"
#include "gateway/gateway.hpp"

namespace fleetcast::gateway {

const FirmwareManifest* Gateway::manifest(const std::string& fw_id) const {
    auto it = manifests_.find(fw_id);
    return it == manifests_.end() ? nullptr : &it->second;
}

Status Gateway::check_manifest(const FirmwareManifest& m) const {
    if (!config_.trust_keys) return make_error("bad_manifest", "no trusted manager key is configured");
    return verify_manifest(m, *config_.trust_keys, clock_.now());
}

void Gateway::rebuild_manifests() {
    manifests_.clear();
    for (const auto& [c, s] : schedules_)
        for (const auto& m : s.firmware)
            if (check_manifest(m)) manifests_[m.fw_id] = m;
}

void Gateway::fail_jobs_with_bad_manifests(const Schedule& s, const std::map<std::string, std::string>& bad) {
    for (const auto& t : s.devices) {
        for (const auto& fw : t.fw_ids) {
            auto why = bad.find(fw);
            if (why == bad.end()) continue;
            JobRow* job = jobs_.find(s.campaign, t.device);
            if (job && !is_terminal(job->state)) jobs_.apply(*job, JobEvent::DeviceError, clock_.now(), "bad_manifest: " + why->second);
            break;
        }
    }
}

void Gateway::on_schedule(const std::string& topic, const std::string& campaign, const std::string& payload) {
    if (payload.empty()) return forget_schedule(campaign);
    auto schedule = decode_schedule(payload);
    if (!schedule) return bad_input("schedule", topic, schedule.error());
    if (schedule->campaign != campaign)
        return bad_input("schedule", topic, make_error("bad_schedule", "payload campaign " + schedule->campaign));
    auto new_jobs = jobs_.new_rows(*schedule);
    if (schedules_.count(campaign) && new_jobs.empty()) {
        log_debug("gateway", "schedule_duplicate").kv("gateway", config_.id).kv("campaign", campaign);
        return;
    }
    // Stored before anything is acted on: a crash after this line resumes.
    auto st = store_.add_schedule(*schedule, new_jobs);
    if (!st) {
        log_error("gateway", "schedule_store_failed").kv("gateway", config_.id).kv("campaign", campaign).kv("error", st.error().str());
        return;
    }
    // Stored as received (the record of what the manager sent); only verified manifests are ever used.
    std::map<std::string, std::string> bad;
    for (const auto& m : schedule->firmware) {
        auto st2 = check_manifest(m);
        if (st2) {
            manifests_[m.fw_id] = m;
            continue;
        }
        bad[m.fw_id] = st2.error().message;
        counters_.add("bad_manifest");
        log_warn("gateway", "manifest_rejected")
            .kv("gateway", config_.id)
            .kv("campaign", campaign)
            .kv("fw", m.fw_id)
            .kv("topic", topic)
            .kv("error", st2.error().message);
    }
    log_info("gateway", "schedule_stored")
        .kv("gateway", config_.id)
        .kv("campaign", campaign)
        .kv("mode", to_string(schedule->mode))
        .kv("update_at", format_time(schedule->update_at))
        .kv("images", schedule->firmware.size())
        .kv("devices", schedule->devices.size())
        .kv("new_jobs", new_jobs.size());
    schedules_[campaign] = std::move(*schedule);
    jobs_.adopt(new_jobs);
    if (!bad.empty()) fail_jobs_with_bad_manifests(schedules_[campaign], bad);
    dirty_ = true;
}

void Gateway::forget_schedule(const std::string& campaign) {
    if (!schedules_.count(campaign)) return;
    auto st = store_.remove_schedule(campaign);
    if (!st) {
        log_error("gateway", "schedule_remove_failed").kv("gateway", config_.id).kv("campaign", campaign).kv("error", st.error().str());
        return;
    }
    schedules_.erase(campaign);
    jobs_.forget_campaign(campaign);
    plans_.forget_campaign(campaign);
    std::erase_if(offer_pending_, [&](const JobKey& k) { return k.first == campaign; });
    std::erase_if(answer_due_, [&](const auto& kv) { return kv.first.first == campaign; });
    rebuild_manifests();
    log_info("gateway", "schedule_cleared").kv("gateway", config_.id).kv("campaign", campaign);
}

void Gateway::on_manager_chunk(const std::string& topic, const std::string& fw_id, const std::string& payload) {
    const FirmwareManifest* m = manifest(fw_id);
    if (!m) return bad_input("chunk", topic, make_error("unknown_firmware", "no schedule names firmware " + fw_id));
    if (fetcher_.on_chunk(*m, payload) == ImageFetcher::ChunkResult::Cached) dirty_ = true;
}

void Gateway::run_schedules(TimePoint now) {
    for (const auto& [campaign, schedule] : schedules_) run_schedule(schedule, now);
}

bool Gateway::all_cached(const JobRow& job) const {
    for (const auto& fw : job.fw_ids)
        if (!fetcher_.cached(fw)) return false;
    return true;
}

bool Gateway::device_offline(const std::string& device) const {
    auto it = devices_.find(device);
    return it != devices_.end() && it->second.status == DeviceStatus::Offline;
}

void Gateway::run_schedule(const Schedule& schedule, TimePoint now) {
    auto& rows = jobs_.rows();
    auto first = rows.lower_bound({schedule.campaign, ""});
    auto in_campaign = [&](auto it) { return it != rows.end() && it->first.first == schedule.campaign; };

    if (check_expiry(schedule, now)) return;
    if (schedule.update_at > now) return;

    for (auto it = first; in_campaign(it); ++it) {
        JobRow& job = it->second;
        if (!job.necessary || is_terminal(job.state) || job.suspended) continue;
        if (job.update_at > now) continue;  // a retry's backoff (R17); busy, defer, no response (R13, R14)
        bool waiting = job.state == JobState::Waiting || job.state == JobState::Fetching;
        bool reoffer = (job.state == JobState::Transferring || job.state == JobState::Requesting) &&
                       offer_pending_.count(it->first);
        if (!waiting && !reoffer) continue;
        if (!all_cached(job)) {
            for (const auto& fw : job.fw_ids)
                if (const auto* m = manifest(fw)) fetcher_.want(*m);
            jobs_.apply(job, JobEvent::FetchStarted, now);
            continue;
        }
        if (!device_offline(job.device) && (reoffer || may_start(job, now))) offer(job, now);
    }
}

void Gateway::offer(JobRow& job, TimePoint now) {
    OfferCmd cmd;
    cmd.campaign = job.campaign;
    for (const auto& fw : job.fw_ids)
        if (const auto* m = manifest(fw)) cmd.firmware.push_back(*m);
    if (cmd.firmware.empty() || !jobs_.apply(job, JobEvent::Offered, now)) return;
    offer_pending_.erase({job.campaign, job.device});
    answer_due_[{job.campaign, job.device}] = now + config_.answer_timeout;
    for (const auto& fw : job.fw_ids) plans_.offered({job.campaign, fw}, job.device, now);
    std::uint64_t bytes = 0;
    for (const auto& m : cmd.firmware) bytes += m.size;
    rates_.offered(job.campaign, job.device, bytes);
    auto st = transport_.publish(topics::dev_cmd(config_.id, job.device), encode(cmd));
    if (!st) log_warn("gateway", "offer_failed").kv("campaign", job.campaign).kv("device", job.device).kv("error", st.error().str());
    log_info("gateway", "offer_sent")
        .kv("gateway", config_.id)
        .kv("campaign", job.campaign)
        .kv("device", job.device)
        .kv("images", cmd.firmware.size());
}

void Gateway::run_fanouts(TimePoint now) {
    for (const auto& key : plans_.due(now, config_.ready_timeout)) {
        const auto* m = manifest(key.second);
        if (m && fetcher_.cached(key.second)) sender_.start_fanout(key, *m, fetcher_.cached_path(key.second));
        else plans_.finished(key);  // nothing to send; late devices repair via need
    }
    for (const auto& key : sender_.pump())
        for (const auto& device : plans_.finished(key)) send_fanout_done(key.first, device, key.second);
}

void Gateway::send_fanout_done(const std::string& campaign, const std::string& device, const std::string& fw_id) {
    const JobRow* job = jobs_.find(campaign, device);
    const auto* m = manifest(fw_id);
    if (!job || !m || is_terminal(job->state)) return;
    // On the device's data topic: it reaches the device behind the fan-out's last chunk.
    auto st = transport_.publish(topics::dev_fanout_done(config_.id, device, fw_id),
                                 encode(FanoutDoneCmd{campaign, fw_id, m->chunk_count}));
    if (!st) log_warn("gateway", "fanout_done_failed").kv("campaign", campaign).kv("device", device).kv("error", st.error().str());
    log_info("gateway", "fanout_done_sent")
        .kv("gateway", config_.id)
        .kv("campaign", campaign)
        .kv("device", device)
        .kv("fw", fw_id);
}

}  // namespace fleetcast::gateway
