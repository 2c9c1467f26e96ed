#pragma once
// Publishes the retained per-gateway schedules of a campaign, clears them when
// the gateway's targets have all ended, and ends the campaign with its last target.
#include <string>
#include <vector>

#include "common/transport.hpp"
#include "manager/manager_store.hpp"

namespace fleetcast::manager {

class SchedulePublisher {
   public:
    SchedulePublisher(Transport& transport, ManagerStore& store) : transport_(transport), store_(store) {}

    // One retained schedule per gateway concerned by `targets`.
    Status publish(const CampaignRecord& campaign, const std::vector<TargetRecord>& targets);
    // After a target of `campaign` on `gateway` ended.
    Status settle(const std::string& campaign, const std::string& gateway);
    // At start: re-publishes the manifests, and the schedules that still have
    // running targets (a broker restarted without persistence lost them).
    Status republish_active();

   private:
    Expected<std::vector<FirmwareManifest>> manifests();
    Transport& transport_;
    ManagerStore& store_;
};

}  // namespace fleetcast::manager
