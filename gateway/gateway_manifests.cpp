// The manifests of the stored schedules: only those that verify with the
// manager's trusted key (R21) are used; jobs needing another fail.
#include "common/log.hpp"
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

std::map<std::string, std::string> Gateway::adopt_manifests(const Schedule& schedule, const std::string& topic) {
    std::map<std::string, std::string> bad;
    for (const auto& m : schedule.firmware) {
        auto st = check_manifest(m);
        if (st) {
            manifests_[m.fw_id] = m;
            continue;
        }
        bad[m.fw_id] = st.error().message;
        counters_.add("bad_manifest");
        log_warn("gateway", "manifest_rejected")
            .kv("gateway", config_.id)
            .kv("campaign", schedule.campaign)
            .kv("fw", m.fw_id)
            .kv("topic", topic)
            .kv("error", st.error().message);
    }
    return bad;
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
            if (job && !is_terminal(job->state))
                jobs_.apply(*job, JobEvent::Rejected, clock_.now(), "bad_manifest: " + why->second);
            break;
        }
    }
}

}  // namespace fleetcast::gateway
