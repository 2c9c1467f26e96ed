#include "manager/reconciler.hpp"

#include <set>

#include "common/job_digest.hpp"
#include "common/log.hpp"
#include "common/topics.hpp"

namespace fleetcast::manager {

Status Reconciler::restore(const std::string& campaign, const std::string& gateway, const char* event,
                           const char* reason) {
    auto st = schedules_.republish(campaign, gateway);
    if (!st) return st;
    counters_.add(event);
    log_info("manager", event).kv("campaign", campaign).kv("gateway", gateway).kv("reason", reason);
    return ok_status();
}

Status Reconciler::send_resync(const std::string& gateway, const std::string& campaign) {
    GwResyncCmd cmd{campaign,
                    "resync-" + std::to_string(++next_request_) + "-" +
                        std::to_string(std::chrono::duration_cast<Millis>(clock_.now().time_since_epoch()).count())};
    auto st = transport_.publish(topics::gw_cmd(gateway), encode(cmd));
    if (!st) return st;
    counters_.add("resyncs");
    log_info("manager", "resync_sent").kv("gateway", gateway).kv("campaign", campaign).kv("request", cmd.request_id);
    return ok_status();
}

Status Reconciler::on_digest(const std::string& gateway, const DigestReport& r) {
    auto open_here = store_.campaigns_open_on(gateway);
    if (!open_here) return open_here.error();
    std::set<std::string> held;
    for (const auto& e : r.campaigns) {
        held.insert(e.campaign);
        auto c = store_.find_campaign(e.campaign);
        if (!c) return c.error();
        if (!*c) {
            counters_.add("unknown_campaign");
            log_warn("manager", "unknown_campaign")
                .kv("gateway", gateway)
                .kv("campaign", e.campaign)
                .kv("jobs", e.jobs)
                .kv("open", e.open);
            continue;
        }
        if (!open_here->count(e.campaign)) {
            // Ended here for the manager (its schedule cleared or being cleared).
            // Ended jobs on the gateway too: the clear is on its way. Open ones:
            // the two disagree, and the manager's ended targets stay ended.
            if (e.open > 0) {
                counters_.add("reconcile_mismatch");
                log_warn("manager", "reconcile_mismatch")
                    .kv("gateway", gateway)
                    .kv("campaign", e.campaign)
                    .kv("reason", "ended_here_but_open_on_gateway")
                    .kv("campaign_state", (*c)->state)
                    .kv("open", e.open)
                    .kv("jobs", e.jobs);
            }
            continue;
        }
        auto rows = store_.target_states(e.campaign, gateway);
        if (!rows) return rows.error();
        const auto jobs = rows->size();
        const auto ours = job_digest(std::move(*rows));
        const std::pair key{gateway, e.campaign};
        if (ours == e.digest && jobs == e.jobs) {
            resynced_.erase(key);
            continue;
        }
        log_info("manager", "digest_mismatch")
            .kv("gateway", gateway)
            .kv("campaign", e.campaign)
            .kv("jobs", jobs)
            .kv("gateway_jobs", e.jobs)
            .kv("digest", ours)
            .kv("gateway_digest", e.digest);
        const std::pair digests{e.digest, ours};
        if (auto it = resynced_.find(key); it != resynced_.end() && it->second == digests) {
            counters_.add("reconcile_mismatch");
            log_warn("manager", "reconcile_mismatch")
                .kv("gateway", gateway)
                .kv("campaign", e.campaign)
                .kv("reason", "resync_changed_nothing")
                .kv("digest", ours)
                .kv("gateway_digest", e.digest);
            continue;
        }
        resynced_[key] = digests;
        auto st = send_resync(gateway, e.campaign);
        if (!st) return st;
    }
    for (const auto& campaign : *open_here) {
        if (held.count(campaign)) continue;
        auto st = restore(campaign, gateway, "schedule_republished", "missing_from_digest");
        if (!st) return st;
    }
    return ok_status();
}

Status Reconciler::on_unknown_job(const std::string& gateway, const UnknownJobReport& r) {
    auto open_here = store_.campaigns_open_on(gateway);
    if (!open_here) return open_here.error();
    if (open_here->count(r.campaign)) return restore(r.campaign, gateway, "schedule_republished", "unknown_job");
    auto c = store_.find_campaign(r.campaign);
    if (!c) return c.error();
    if (!*c) {
        counters_.add("unknown_campaign");
        log_warn("manager", "unknown_campaign")
            .kv("gateway", gateway)
            .kv("campaign", r.campaign)
            .kv("device", r.device)
            .kv("event", r.event);
        return ok_status();
    }
    // Ended there: a late event from a device, nothing to restore.
    log_info("manager", "unknown_job_ended")
        .kv("gateway", gateway)
        .kv("campaign", r.campaign)
        .kv("device", r.device)
        .kv("event", r.event);
    return ok_status();
}

Status Reconciler::on_schedule_seen(const std::string& gateway, const std::string& campaign,
                                    const std::string& payload) {
    const auto schedule_topic = topics::gw_schedule(gateway, campaign);
    if (!schedule_topic) return schedule_topic.error();
    const std::string& topic = *schedule_topic;
    auto open_here = store_.campaigns_open_on(gateway);
    if (!open_here) return open_here.error();
    if (open_here->count(campaign)) {
        if (!payload.empty() && schedules_.is_current(topic, payload)) return ok_status();  // our own
        return restore(campaign, gateway, "schedule_restored", payload.empty() ? "emptied" : "replaced");
    }
    if (payload.empty()) return ok_status();  // our own clearing (or never there)
    auto c = store_.find_campaign(campaign);
    if (!c) return c.error();
    if (!*c) {
        // Not ours to judge: the gateway refuses what does not verify.
        counters_.add("unknown_campaign");
        log_warn("manager", "unknown_campaign").kv("gateway", gateway).kv("campaign", campaign).kv("topic", topic);
        return ok_status();
    }
    // Ended on that gateway, yet a schedule is retained: our own publish from
    // before the end (its echo), or a stale copy. Cleared again: only the
    // manager clears a schedule, after the campaign ended there.
    auto st = transport_.publish(topic, std::string(), true);
    if (!st) return st;
    counters_.add("schedule_recleared");
    log_info("manager", "schedule_recleared").kv("gateway", gateway).kv("campaign", campaign);
    return ok_status();
}

}  // namespace fleetcast::manager
