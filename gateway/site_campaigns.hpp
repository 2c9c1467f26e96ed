#pragma once
// What this gateway holds of each campaign: its schedule (as the manager
// sent it), the manifests of its images that verify with the manager's
// trusted keys (R21; no other is ever fetched, offered or fanned out), and
// the operator's last campaign-level command (issue 16). Bookkeeping only:
// the gateway stores each change in GatewayStore before it lands here, and
// logs it; this class answers what is known and which rules follow.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/manifest_signing.hpp"
#include "common/messages.hpp"
#include "gateway/gateway_store.hpp"

namespace fleetcast::gateway {

using CampaignHold = GatewayStore::CampaignHold;

class SiteCampaigns {
   public:
    SiteCampaigns(std::shared_ptr<const TrustKeySet> trust_keys, Clock& clock);

    // The stored schedules and holds, at start.
    void load(std::vector<Schedule> schedules, std::map<std::string, CampaignHold> holds);
    // Keeps `schedule` (replacing one of the same campaign) and those of its
    // manifests that verify; returns the others by fw_id with the reason.
    std::map<std::string, std::string> put_schedule(Schedule schedule);
    // Drops the schedule; its manifests stay only if another schedule has them.
    void forget(const std::string& campaign);

    const std::map<std::string, Schedule>& schedules() const { return schedules_; }
    const Schedule* schedule(const std::string& campaign) const;
    // A verified manifest of a held schedule, or nullptr.
    const FirmwareManifest* manifest(const std::string& fw_id) const;
    // Verifies with the trusted keys; the error says why a manifest is refused.
    Status check_manifest(const FirmwareManifest& m) const;
    // The campaign's retry policy (R17); the default for an unknown campaign.
    RetryPolicy retry_policy(const std::string& campaign) const;

    void set_hold(const std::string& campaign, CampaignHold hold);
    const CampaignHold* hold(const std::string& campaign) const;
    // Paused or canceled: nothing of the campaign is fetched, offered or fanned out.
    bool held(const std::string& campaign) const;
    // Images of `campaign` that no other campaign still running or paused here needs.
    std::set<std::string> images_only_for(const std::string& campaign) const;

   private:
    void rebuild_manifests();

    std::shared_ptr<const TrustKeySet> trust_keys_;
    Clock& clock_;
    std::map<std::string, Schedule> schedules_;          // by campaign
    std::map<std::string, FirmwareManifest> manifests_;  // by fw_id, verified, from the schedules
    std::map<std::string, CampaignHold> holds_;          // by campaign: the last command applied
};

}  // namespace fleetcast::gateway
