// The failure threshold's decision (manager/failure_evaluation.hpp).
#include "manager/failure_evaluation.hpp"

#include <algorithm>

#include "common/job_rules.hpp"
#include "common/operator_campaigns.hpp"

namespace fleetcast::manager {

FailureCounts failure_counts(const FailureThreshold& t, const std::map<JobState, std::uint64_t>& by_state) {
    FailureCounts c;
    for (const auto& [state, n] : by_state) {
        if (!job_rules::is_terminal(state)) continue;
        c.ended += n;
        if (t.failure_states.count(state)) c.failed += n;
    }
    return c;
}

FailureCounts since(const FailureCounts& now, const FailureCounts& counted) {
    // Ended targets never reopen, so the counts only grow; a smaller figure
    // (a store edited by hand) counts as nothing new.
    return {now.ended > counted.ended ? now.ended - counted.ended : 0,
            now.failed > counted.failed ? now.failed - counted.failed : 0};
}

bool crosses(const FailureThreshold& t, const FailureCounts& c) {
    if (t.max_count) return c.failed > *t.max_count;
    if (!t.max_percent || c.ended == 0 || c.ended < t.min_ended) return false;
    return static_cast<double>(c.failed) * 100.0 > *t.max_percent * static_cast<double>(c.ended);
}

std::string threshold_reason(const FailureThreshold& t, const FailureCounts& c, const std::vector<FailedTarget>& failed,
                             bool since_resume) {
    std::map<std::string, std::uint64_t> kinds;
    for (const auto& f : failed) ++kinds[f.error_kind.empty() ? std::string("unknown") : f.error_kind];
    std::vector<std::pair<std::string, std::uint64_t>> order(kinds.begin(), kinds.end());
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    std::string kinds_text;
    for (const auto& [kind, n] : order)
        kinds_text += (kinds_text.empty() ? "" : ", ") + kind + " x" + std::to_string(n);
    std::string devices;
    constexpr std::size_t kNamed = 10;
    for (std::size_t i = 0; i < failed.size() && i < kNamed; ++i)
        devices += (devices.empty() ? "" : ", ") + failed[i].device;
    if (failed.size() > kNamed) devices += ", ... (" + std::to_string(failed.size()) + " in all)";
    std::string out = "failure threshold " + std::to_string(c.failed) + " of " + std::to_string(c.ended) +
                      " ended failed" + (since_resume ? " since the resume" : "") + " (" + t.limit_text() + ")";
    if (!kinds_text.empty()) out += ": " + kinds_text;
    if (!devices.empty()) out += ": " + devices;
    if (out.size() > kMaxCampaignReason) out = out.substr(0, kMaxCampaignReason - 3) + "...";
    return out;
}

}  // namespace fleetcast::manager
