#pragma once
// The operator's view of a campaign (Fig. 46): one row per target with old and
// new versions and a result label, plus counts per label. The rows' and the
// summary's shapes are common/operator_messages.hpp's; this turns the
// manager's records into them.
#include <map>
#include <string>
#include <vector>

#include "common/job_rules.hpp"
#include "common/operator_campaign_views.hpp"
#include "common/operator_messages.hpp"
#include "manager/manager_records.hpp"

namespace fleetcast::manager {

using job_rules::result_label;

// The job fields of a target, as every view shows them.
JobView job_view(const TargetRecord& t);
// Counts per result label of jobs counted per state.
ResultSummary result_summary(const std::map<JobState, std::uint64_t>& state_counts);
// The campaign as every campaign view shows it.
CampaignHeader campaign_header(const CampaignRecord& c);

// One page of a campaign's results: `page` rows starting at `offset`; the
// summary counts every target (by job state). update_times: per device, the
// update time the gateway last reported (moved by busy/defer, R13/R14); a
// device not in it shows the campaign's.
ResultsAnswer results_page(const CampaignRecord& campaign, const std::vector<TargetRecord>& page, std::uint64_t offset,
                           const std::map<JobState, std::uint64_t>& state_counts,
                           const std::map<std::string, TimePoint>& update_times, CampaignControlView control);

}  // namespace fleetcast::manager
