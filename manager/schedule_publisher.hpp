#pragma once
// Publishes the retained per-gateway schedules of a campaign, clears them when
// the gateway's targets have all ended, and ends the campaign with its last target.
#include <string>
#include <vector>

#include "common/transport.hpp"
#include "manager/manager_store.hpp"
#include "manager/manifest_signer.hpp"

namespace fleetcast::manager {

class SchedulePublisher {
   public:
    SchedulePublisher(Transport& transport, ManagerStore& store, Clock& clock, const ManifestSigner& signer)
        : transport_(transport), store_(store), clock_(clock), signer_(signer) {}

    // One retained schedule per gateway concerned by `targets`.
    Status publish(const CampaignRecord& campaign, const std::vector<TargetRecord>& targets);
    // After a target of `campaign` on `gateway` ended.
    Status settle(const std::string& campaign, const std::string& gateway);
    // At start: re-publishes the manifests, and the schedules that still have
    // running targets (a broker restarted without persistence lost them).
    Status republish_active();

   private:
    Expected<std::vector<FirmwareManifest>> manifests();
    // Every manifest of the schedule signed and valid until the campaign can end.
    Status sign_firmware(Schedule& schedule);
    Transport& transport_;
    ManagerStore& store_;
    Clock& clock_;
    const ManifestSigner& signer_;
};

}  // namespace fleetcast::manager
