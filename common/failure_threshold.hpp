#pragma once
// A campaign's failure threshold (issue 16 item 3, the abort criteria):
// how many of its ended targets may fail before the campaign stops, which
// results count as a failure, and whether crossing it pauses or cancels the
// campaign. Given to campaign_create, echoed in its answer and campaign_list.
// See topics.md "Operator request / response" and README "Failure thresholds".
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "common/error.hpp"
#include "common/json.hpp"
#include "common/messages.hpp"

namespace fleetcast {

enum class FailureAction { Pause, Cancel };
std::string_view to_string(FailureAction a);
Expected<FailureAction> failure_action_from_string(std::string_view s);

struct FailureThreshold {
    // Exactly one: at most this many failed targets, or at most this share
    // (0 < percent <= 100) of the ended ones.
    std::optional<std::uint64_t> max_count;
    std::optional<double> max_percent;
    std::uint64_t min_ended = 0;  // a percentage applies once at least this many targets ended
    // The final job states that count as a failure: Failed (ERROR, the
    // default), Expired (EXPIRED), Canceled (CANCELED).
    std::set<JobState> failure_states{JobState::Failed};
    FailureAction on_failure = FailureAction::Pause;
    bool operator==(const FailureThreshold& o) const {
        return max_count == o.max_count && max_percent == o.max_percent && min_ended == o.min_ended &&
               failure_states == o.failure_states && on_failure == o.on_failure;
    }
    // "max 1", "max 5%" (after 10 ended)
    std::string limit_text() const;
};

// "error", "expired", "canceled" (or the result labels ERROR, EXPIRED,
// CANCELED), case-insensitive; the final state it stands for.
Expected<JobState> failure_result_from_string(std::string_view s);
// "error,expired" -> {Failed, Expired}; empty or unknown names are bad_args.
Expected<std::set<JobState>> failure_results_from_list(std::string_view list);
// "5%" (a share, 0 < p <= 100) or "3" (a count): the CLI's --max-failures.
Status parse_max_failures(std::string_view text, FailureThreshold& t);

// {"max_failures":3} or {"max_failures_percent":5}, "min_ended", "failure_results" (labels), "on_failure".
void to_json(cJSON* o, const FailureThreshold& t);
Expected<FailureThreshold> failure_threshold_from_json(const cJSON* o);

}  // namespace fleetcast
