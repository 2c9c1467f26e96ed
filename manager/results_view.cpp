#include "manager/results_view.hpp"

namespace fleetcast::manager {

JobView job_view(const TargetRecord& t) {
    return JobView{t.state,  t.progress,  t.old_versions, t.new_versions,
                   t.detail, t.suspended, t.started_at,   t.ended_at};
}

ResultSummary result_summary(const std::map<JobState, std::uint64_t>& state_counts) {
    auto summary = empty_summary();
    for (const auto& [state, n] : state_counts) count(summary, state, n);
    return summary;
}

CampaignHeader campaign_header(const CampaignRecord& c) {
    return CampaignHeader{c.id,          c.state,      c.mode,         c.created_at,       c.update_at,
                          c.transmit_at, c.expires_at, c.expected_end, c.failure_threshold};
}

ResultsAnswer results_page(const CampaignRecord& c, const std::vector<TargetRecord>& page, std::uint64_t offset,
                           const std::map<JobState, std::uint64_t>& state_counts,
                           const std::map<std::string, TimePoint>& update_times, CampaignControlView control) {
    ResultsAnswer a;
    a.header = campaign_header(c);
    for (const auto& t : page) {
        auto moved = update_times.find(t.device);
        a.devices.push_back(ResultsRow{t.device, t.gateway, t.model, t.fw_ids, job_view(t),
                                       moved == update_times.end() ? c.update_at : moved->second});
    }
    a.summary = result_summary(state_counts);
    a.pending = a.summary.counts.at(std::string(job_rules::kResultWaiting));
    a.offset = offset;
    a.control = std::move(control);
    return a;
}

}  // namespace fleetcast::manager
