#pragma once
// Issue 16 item 3: stops a campaign whose failures cross its failure
// threshold, through the campaign-level pause or cancel (CampaignControl:
// the same stored command, gateway commands, acks and resends as an
// operator's). Checked when a job report ends a target and, for every active
// campaign, once at manager start (a crossing during an outage still stops it).
#include <string>

#include "common/clock.hpp"
#include "manager/campaign_control.hpp"
#include "manager/manager_store.hpp"

namespace fleetcast::manager {

class FailureGuard {
   public:
    FailureGuard(ManagerStore& store, CampaignControl& control, Clock& clock)
        : store_(store), control_(control), clock_(clock) {}

    // A target of `campaign` ended: pauses or cancels it when it is active and crossed.
    Status check(const std::string& campaign);
    // Every active campaign with a threshold (manager start).
    Status check_all();

   private:
    Status check(const CampaignRecord& c);
    ManagerStore& store_;
    CampaignControl& control_;
    Clock& clock_;
};

}  // namespace fleetcast::manager
