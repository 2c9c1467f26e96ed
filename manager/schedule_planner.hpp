#pragma once
// Transmission and update times of a campaign from the image sizes and the
// measured link rates (R6, R8, R9, R10). Pure: the caller gives the time, the
// loads and the rates. The formula is in the README ("Planning").
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/maintenance_window.hpp"
#include "common/messages.hpp"
#include "common/rate_limits.hpp"

namespace fleetcast::manager {

struct PlannerSettings {
    double assumed_rate = 1024.0 * 1024.0;  // bytes/s for a link without a measured figure
    Millis min_margin{2000};                // safety margin between download end and update time
    double margin_factor = 0.25;            // ... or this share of the download time, if larger
};

// What the operator asked for.
struct TimeRequest {
    TransferMode mode = TransferMode::Pull;
    bool asap = false;
    std::optional<TimePoint> update_at;
    std::optional<TimePoint> transmit_at;
    std::optional<TimePoint> expires_at;
};

// What one gateway must receive from the manager and deliver to each device.
struct GatewayLoad {
    std::string gateway;
    std::uint64_t download_bytes = 0;
    std::map<std::string, std::uint64_t> device_bytes;  // device -> bytes of its images
    GatewayLimits limits;                               // its share of the campaign's rate limits (issue 16 item 4)
    std::optional<MaintenanceWindow> window;            // issue 16 item 5: starts and fetches only inside it
};

// Measured rates in bytes per second; a missing or zero figure is unknown.
struct RateTable {
    std::map<std::string, double> gateway;                         // manager -> gateway
    std::map<std::pair<std::string, std::string>, double> device;  // (gateway, device)
};

struct TimePlan {
    TimePoint update_at{};
    std::optional<TimePoint> transmit_at;  // push mode only
    std::optional<TimePoint> expires_at;
    TimePoint expected_end{};
    Millis download{0};              // longest manager -> gateway transfer
    Millis delivery{0};              // longest gateway -> device transfer
    std::vector<std::string> notes;  // assumed rates, times moved to now, late downloads
};

// Errors (code bad_args): expiry not in the future or not after the update
// time, transmission after the update time, a transmission time in pull mode,
// --asap together with explicit times.
Expected<TimePlan> plan_times(const TimeRequest& request, TimePoint now, const std::vector<GatewayLoad>& loads,
                              const RateTable& rates, const PlannerSettings& settings = {});

// When the last of a gateway's devices is expected to end: the k-th device
// (in `deliveries` order, the gateway's job order) starts once the image is
// at the gateway (`ready`), no earlier than its rate-limited start slot
// (planned_start, counted from the later of `ready` and `update_at`), and
// when one of the `max_concurrent` transfers ended; it takes its delivery time.
// With a maintenance window a start outside it moves to the window's next opening.
TimePoint gateway_end(TimePoint update_at, TimePoint ready, const std::vector<Millis>& deliveries,
                      const GatewayLimits& limits, const std::optional<MaintenanceWindow>& window = std::nullopt);

// Transfer time of `bytes` at `bytes_per_second` (> 0), rounded up to a millisecond.
Millis transfer_time(std::uint64_t bytes, double bytes_per_second);

}  // namespace fleetcast::manager
