#pragma once
// The operator's campaign_create (R1, R5-R10, R17): its typed args (what to
// update, when, how, with which retries) and its typed answer (the campaign
// as planned, and the devices left out with the reason). The CLI encodes the
// args and decodes the answer with these; the manager does the reverse.
// See topics.md "Operator request / response".
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/failure_threshold.hpp"
#include "common/json.hpp"
#include "common/messages.hpp"
#include "common/rate_limits.hpp"
#include "common/wave_plan.hpp"

namespace fleetcast {

inline constexpr std::size_t kMaxCampaignModels = 1024;
inline constexpr std::size_t kMaxCampaignFirmware = 1024;
inline constexpr Millis kMaxRelativeTime{10LL * 365 * 24 * 3600 * 1000};  // *_in_ms
inline constexpr Millis kMaxRetryDuration{24LL * 3600 * 1000};            // retry_backoff_ms, power_on_timeout_ms

struct CampaignCreateArgs {
    bool all = false;
    std::vector<std::string> devices;    // when !all, in the operator's order, without duplicates
    std::vector<std::string> models;     // when !all: every registered device of these models, too
    std::vector<std::string> firmware;   // fw ids; empty = latest version per model and component
    std::optional<TimePoint> update_at;  // empty = now
    std::optional<TimePoint> transmit_at;
    std::optional<TimePoint> expires_at;
    // Relative times ("+20m" in the CLI), resolved with the manager's clock so
    // that a manager running with --time-scale reads them in its own time.
    std::optional<Millis> update_in;
    std::optional<Millis> transmit_in;
    std::optional<Millis> expires_in;
    bool asap = false;  // times computed from sizes and rates (also without any time)
    TransferMode mode = TransferMode::Pull;
    std::optional<std::string> campaign;                // empty = generated
    RetryPolicy retry;                                  // retry_max, retry_backoff_ms, power_on_timeout_ms (R17)
    std::optional<FailureThreshold> failure_threshold;  // issue 16 item 3; none: failures never stop it
    RateLimits limits;              // issue 16 item 4: max_per_minute, max_concurrent_per_gateway (each 1-1000000)
    std::optional<WavePlan> waves;  // issue 16 item 2; none: every target at once
    bool dry_run = false;           // issue 19 item 2: plan and answer, store and send nothing
};
void to_json(cJSON* o, const CampaignCreateArgs& a);
// Checks what the manager can check without its store: exactly one of all or
// devices/models, at most one of each time and its relative form, ids, ranges.
Expected<CampaignCreateArgs> campaign_create_args_from_json(const cJSON* o);
// Turns the relative times of `a` into absolute ones.
void resolve_relative_times(CampaignCreateArgs& a, TimePoint now);

// A registered device the campaign leaves alone, and why (UNREGISTERED,
// NO MATCHING FIRMWARE, UP TO DATE, OFFLINE).
struct SkippedDevice {
    std::string device;
    std::string reason;
};
// The answer: the campaign as stored and scheduled.
struct CampaignCreated {
    std::string campaign;
    std::uint64_t targets = 0;
    TransferMode mode = TransferMode::Pull;
    TimePoint update_at{};
    std::optional<TimePoint> transmit_at;
    std::optional<TimePoint> expires_at;
    TimePoint expected_end{};
    std::vector<std::string> notes;  // how the planner chose the times (R9)
    RetryPolicy retry;
    std::vector<SkippedDevice> skipped;
    std::optional<FailureThreshold> failure_threshold;  // as stored
    RateLimits limits;                                  // as stored (issue 16 item 4)
    std::optional<WavePlan> waves;                      // as given
    std::vector<std::uint64_t> wave_counts;             // with waves: the cumulative targets of each wave
    bool dry_run = false;                               // the plan only: nothing was stored or sent
    // Issue 17 follow-up: the campaign is preparing: this many deltas (or
    // compressed images) are being made; its schedules go out when they are.
    std::optional<std::uint64_t> preparing = std::nullopt;
};
void to_json(cJSON* o, const CampaignCreated& c);
Expected<CampaignCreated> campaign_created_from_json(const cJSON* o);

}  // namespace fleetcast
