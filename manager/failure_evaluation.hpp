#pragma once
// The failure threshold's decision (issue 16 item 3), pure: from a
// campaign's threshold, its counts and what was counted at the last resume,
// whether it stops now and why. manager/failure_guard.cpp feeds it from the
// store and stops the campaign through CampaignControl.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/failure_threshold.hpp"

namespace fleetcast::manager {

// What a campaign's targets look like to the threshold.
struct FailureCounts {
    std::uint64_t ended = 0;   // targets in a final state
    std::uint64_t failed = 0;  // of those, in one of the threshold's failure states
};
// Counts of the targets per job state -> ended and failed.
FailureCounts failure_counts(const FailureThreshold& t, const std::map<JobState, std::uint64_t>& by_state);

// Only what ended since the last resume counts: `counted` is what was
// counted then (zero before any resume).
FailureCounts since(const FailureCounts& now, const FailureCounts& counted);

// True when the failures (since the last resume) cross the threshold: more
// than max_count failed, or, once at least min_ended ended, more than
// max_percent of the ended failed.
bool crosses(const FailureThreshold& t, const FailureCounts& c);

// One failed target, for the reason.
struct FailedTarget {
    std::string device;
    std::string error_kind;  // boot_failed, no_power_on, ...; EXPIRED or CANCELED for those results
};
// "failure threshold 2 of 3 ended failed (max 1): boot_failed x2: A123-000001, A123-000002"
// (kinds by count, then name; at most 10 devices named; the text stays below kMaxCampaignReason).
std::string threshold_reason(const FailureThreshold& t, const FailureCounts& c, const std::vector<FailedTarget>& failed,
                             bool since_resume);

}  // namespace fleetcast::manager
