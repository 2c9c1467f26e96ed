#pragma once
// Rows of the manager's database, as plain structs shared by the store, the
// planner and the operator views.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/failure_threshold.hpp"
#include "common/job_rules.hpp"
#include "common/messages.hpp"
#include "common/rate_limits.hpp"
#include "common/wave_plan.hpp"

namespace fleetcast::manager {

struct FirmwareRecord {
    FirmwareManifest manifest;
    TimePoint added_at{};
};
// A campaign that targets devices with an image, and the campaign's stored state.
struct FirmwareUse {
    std::string campaign;
    std::string state;
};

struct DeviceRecord {
    std::string id;
    std::string gateway;
    std::string model;
    std::string status;  // device_state status: idle, busy, updating, error, offline
    Versions firmware;   // component -> installed version
    TimePoint last_seen{};
};

struct GatewayRecord {
    std::string id;
    std::string status;  // online | offline
    TimePoint last_seen{};
};

// The stored campaign state: active (scheduled or running, by its update
// time), paused and canceled (issue 16: by a campaign-level command), ended
// (every target ended). A canceled campaign stays canceled when its last
// target ends. Issue 17 follow-up: preparing (stored, its schedules held
// until every delta it wants is made or given up) and preparing_paused
// (paused by the operator while preparing: resumed, it prepares again).
// campaign_control.cpp holds the transitions, as one table.
inline constexpr std::string_view kCampaignPreparing = "preparing";
inline constexpr std::string_view kCampaignPreparingPaused = "preparing_paused";
inline constexpr std::string_view kCampaignActive = "active";
inline constexpr std::string_view kCampaignPaused = "paused";
inline constexpr std::string_view kCampaignCanceled = "canceled";
inline constexpr std::string_view kCampaignEnded = "ended";

// Issue 16 item 2: a campaign's waves as stored (schema 8). Waves 1..open
// are released: only their targets are in the gateways' schedules.
struct CampaignWaves {
    WavePlan plan;                            // as the operator gave it
    std::string seed;                         // orders the targets into waves (manager/wave_members)
    std::vector<std::uint64_t> counts;        // cumulative targets of each wave
    std::uint32_t open = 1;                   // the newest open wave (1-based)
    std::optional<TimePoint> success_met_at;  // the open wave met its success share: its soak runs from here
    std::uint32_t total() const { return static_cast<std::uint32_t>(counts.size()); }
};

// The detail of a target whose wave never opened because its campaign was canceled.
// The detail of a target whose campaign was canceled before its schedules went out.
inline constexpr const char* kCanceledWhilePreparing = "canceled with the campaign while its deltas were made";
inline constexpr const char* kCanceledBeforeItsWave = "canceled with the campaign before its wave opened";

// Issue 17 follow-up (schema 12): a delta (or, with no source, a compressed
// image) given up: larger than its limit, or its making failed. Not tried again.
struct GivenUpEncoding {
    std::string source_sha256;  // empty: the compressed image
    std::string target_sha256;
    std::string source_fw;  // empty: the compressed image
    std::string source_version;
    std::string target_fw;
    std::string reason;
    std::uint64_t bytes = 0;        // the artifact's size when it was made (0 when it failed)
    std::uint64_t image_bytes = 0;  // the target image's
    TimePoint at{};
};

struct CampaignRecord {
    std::string id;
    TimePoint created_at{};
    TransferMode mode = TransferMode::Pull;
    TimePoint update_at{};
    std::optional<TimePoint> transmit_at;
    std::optional<TimePoint> expires_at;
    std::string state{kCampaignActive};
    std::optional<TimePoint> expected_end;              // planned: update time + transfers (R9)
    RetryPolicy retry;                                  // R17, carried in the schedules (table campaign_retry)
    std::optional<FailureThreshold> failure_threshold;  // issue 16 item 3 (table campaign_failure_thresholds)
    // Issue 16 item 4 (table campaign_rate_limits): as asked, and each
    // gateway's share, fixed at creation (common/rate_limits.hpp).
    RateLimits limits;
    std::map<std::string, GatewayLimits> gateway_limits;
    std::optional<CampaignWaves> waves;  // issue 16 item 2 (tables campaign_waves, target_waves)
};

// Issue 16: the last campaign-level command of a campaign (pause, resume,
// cancel), and per gateway of the campaign whether it confirmed it.
struct CampaignCommandRecord {
    std::string campaign;
    CampaignAction action = CampaignAction::Pause;
    std::string request_id;
    std::string reason;
    TimePoint at{};
};
struct CommandGatewayRecord {
    std::string gateway;
    std::optional<TimePoint> confirmed_at;
};

struct TargetRecord {
    std::string campaign;
    std::string device;
    std::string gateway;
    std::string model;
    std::vector<std::string> fw_ids;  // one image per component
    Versions old_versions;            // installed when the campaign was created
    Versions new_versions;            // planned; replaced by the reported ones on completion
    JobState state = JobState::Waiting;
    std::uint32_t progress = 0;
    std::string detail;
    std::optional<TimePoint> started_at;
    std::optional<TimePoint> ended_at;
    bool suspended = false;  // R19: held by the operator until resumed
    std::uint32_t wave = 0;  // issue 16 item 2: its wave (1-based); 0 without waves. Written at creation only.
};

struct TransferRecord {
    std::string gateway;
    std::string fw_id;
    std::uint64_t chunks_sent = 0;
    std::uint64_t bytes_sent = 0;
};

// The latest measured rate of one link (R9).
struct LinkRateRecord {
    std::string gateway;
    std::string device;  // empty: the manager->gateway link
    std::uint64_t bytes = 0;
    std::uint64_t millis = 0;
    std::string source;
    TimePoint at{};
    double bytes_per_second() const {
        return millis == 0 ? 0.0 : static_cast<double>(bytes) * 1000.0 / static_cast<double>(millis);
    }
};

// The one rule of which job states are final (common/job_rules.hpp).
using job_rules::is_terminal;

}  // namespace fleetcast::manager
