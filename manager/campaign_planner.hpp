#pragma once
// Turns an operator's campaign request into targets and per-gateway schedules.
// Pure: reads the registry and the firmware list it is given, writes nothing.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/json.hpp"
#include "common/messages.hpp"
#include "common/operator_campaign_create.hpp"
#include "manager/manager_records.hpp"

namespace fleetcast::manager {

inline constexpr std::string_view kSkipUnregistered = "UNREGISTERED";
inline constexpr std::string_view kSkipNoFirmware = "NO MATCHING FIRMWARE";
inline constexpr std::string_view kSkipUpToDate = "UP TO DATE";
inline constexpr std::string_view kSkipOffline = "OFFLINE";

struct CampaignPlan {
    CampaignRecord campaign;
    std::vector<TargetRecord> targets;
    std::vector<SkippedDevice> skipped;
};

// Per device and component: the given image for its model, else the latest
// version for model+component; a component already at that version (or newer,
// unless the image allows a downgrade) is left alone. Devices last seen
// offline are skipped (OFFLINE). Times are copied from the spec (update_at
// defaults to now): the schedule planner sets them afterwards.
Expected<CampaignPlan> plan_campaign(const CampaignCreateArgs& spec, const std::string& campaign_id, TimePoint now,
                                     const std::vector<DeviceRecord>& registry,
                                     const std::vector<FirmwareManifest>& firmware);

// One schedule per gateway concerned: its devices and the manifests they need.
std::map<std::string, Schedule> schedules_for(const CampaignRecord& campaign, const std::vector<TargetRecord>& targets,
                                              const std::vector<FirmwareManifest>& firmware);

// Issue 17: what crosses the links for one image of a target: the delta
// from the device's version (its old_versions, so a re-published schedule
// is the same) when `firmware` holds one, else the compressed image when
// there is one; nullptr: the image itself.
const FirmwareManifest* delta_for(const FirmwareManifest& image, const TargetRecord& target,
                                  const std::vector<FirmwareManifest>& firmware);
// The target's fw ids as its gateway's schedule lists them (deltas where there are).
std::vector<std::string> artifacts_for(const TargetRecord& target, const std::vector<FirmwareManifest>& firmware);
// The repository's image of `version` for model/component (never a delta), or nullptr.
const FirmwareManifest* image_of_version(const std::vector<FirmwareManifest>& firmware, const std::string& model,
                                         const std::string& component, const std::string& version);

// c-YYYYMMDD-HHMMSS-xxxx (UTC), xxxx = 4 hex digits of `random`.
std::string make_campaign_id(TimePoint now, std::uint32_t random);

}  // namespace fleetcast::manager
