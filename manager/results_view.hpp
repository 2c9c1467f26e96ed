#pragma once
// The operator's view of a campaign (Fig. 46): one row per target with old and
// new versions and a result label, plus counts per label.
#include <string>
#include <string_view>
#include <map>
#include <vector>

#include "common/json.hpp"
#include "manager/manager_records.hpp"

namespace fleetcast::manager {

inline constexpr std::string_view kResultCompleted = "UPDATING COMPLETED";
inline constexpr std::string_view kResultWaiting = "WAITING FOR RE-UPDATING";
inline constexpr std::string_view kResultError = "ERROR";
inline constexpr std::string_view kResultExpired = "EXPIRED";
inline constexpr std::string_view kResultCanceled = "CANCELED";

std::string_view result_label(JobState s);
// The error kind at the head of a gateway comment ("write_failure: ...",
// "no_power_on: ...", "boot_failed: ..."), or "" when the comment has none.
std::string error_kind(const std::string& detail);
// update_times: per device, the update time the gateway last reported (moved
// by busy/defer, R13/R14); a device not in it shows the campaign's.
Json results_json(const CampaignRecord& campaign, const std::vector<TargetRecord>& targets,
                  const std::map<std::string, TimePoint>& update_times = {});
// One page of a large campaign: `page` rows starting at `offset`; the summary
// counts every target (by job state).
inline constexpr std::uint64_t kResultsPageMax = 5000;
struct PageArgs {
    std::uint64_t offset = 0;
    std::uint64_t limit = kResultsPageMax;
};
// `offset` (default 0) and `limit` (default and at most kResultsPageMax) of a paged view.
Expected<PageArgs> page_args(const cJSON* args);
Json results_page_json(const CampaignRecord& campaign, const std::vector<TargetRecord>& page, std::uint64_t offset,
                       const std::map<JobState, std::uint64_t>& state_counts,
                       const std::map<std::string, TimePoint>& update_times = {});

}  // namespace fleetcast::manager
