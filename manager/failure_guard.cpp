#include "manager/failure_guard.hpp"

#include <algorithm>

#include "common/job_rules.hpp"
#include "common/log.hpp"
#include "common/operator_messages.hpp"
#include "manager/campaign_checks.hpp"

namespace fleetcast::manager {

namespace {
// The failed targets, oldest end first: the newest `n` are the ones that count.
std::vector<FailedTarget> newest_failed(const FailureThreshold& t, std::vector<TargetRecord> targets, std::uint64_t n) {
    targets.erase(std::remove_if(targets.begin(), targets.end(),
                                 [&](const TargetRecord& r) { return !t.failure_states.count(r.state); }),
                  targets.end());
    std::stable_sort(targets.begin(), targets.end(),
                     [](const TargetRecord& a, const TargetRecord& b) { return a.ended_at < b.ended_at; });
    const std::size_t skip = targets.size() > n ? targets.size() - n : 0;
    std::vector<FailedTarget> out;
    for (std::size_t i = skip; i < targets.size(); ++i) {
        const auto& r = targets[i];
        std::string kind = r.state == JobState::Failed ? error_kind(r.detail) : std::string();
        if (kind.empty()) kind = std::string(job_rules::result_label(r.state));
        out.push_back({r.device, kind});
    }
    std::sort(out.begin(), out.end(), [](const FailedTarget& a, const FailedTarget& b) { return a.device < b.device; });
    return out;
}
}  // namespace

Status FailureGuard::check(const std::string& campaign) {
    return check_campaign(store_, campaign, [this](const CampaignRecord& c) { return check(c); });
}

Status FailureGuard::check_all() {
    return check_active_campaigns(store_, [this](const CampaignRecord& c) { return check(c); });
}

Status FailureGuard::check(const CampaignRecord& c) {
    if (c.state != kCampaignActive || !c.failure_threshold) return ok_status();
    const auto& t = *c.failure_threshold;
    auto by_state = store_.target_state_counts(c.id);
    if (!by_state) return by_state.error();
    auto counted = store_.counted_at_resume(c.id);
    if (!counted) return counted.error();
    const auto now_counts = failure_counts(t, *by_state);
    const auto counts = since(now_counts, *counted);
    if (!crosses(t, counts)) return ok_status();
    auto targets = store_.targets(c.id);
    if (!targets) return targets.error();
    const bool resumed = counted->ended > 0 || counted->failed > 0;
    const auto reason = threshold_reason(t, counts, newest_failed(t, std::move(*targets), counts.failed), resumed);
    const auto action = t.on_failure == FailureAction::Cancel ? CampaignAction::Cancel : CampaignAction::Pause;
    const auto request_id =
        "threshold-" + std::to_string(std::chrono::duration_cast<Millis>(clock_.now().time_since_epoch()).count());
    log_warn("manager", "failure_threshold_crossed")
        .kv("campaign", c.id)
        .kv("action", to_string(action))
        .kv("request", request_id)
        .kv("failed", counts.failed)
        .kv("ended", counts.ended)
        .kv("reason", reason);
    auto done = control_.command(request_id, action, CampaignControlArgs{c.id, reason});
    if (!done) return done.error();
    return ok_status();
}

}  // namespace fleetcast::manager
