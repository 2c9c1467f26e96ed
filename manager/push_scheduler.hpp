#pragma once
// Push mode (R8): at a campaign's transmission time the manager sends each
// image its targets need to their gateway, unasked, so the gateway's cache is
// full before the update time. An image goes to a gateway once (recorded
// before sending); whatever did not arrive, the gateway fetches at update time.
#include <set>
#include <string>

#include "common/clock.hpp"
#include "manager/chunk_server.hpp"
#include "manager/manager_store.hpp"

namespace fleetcast::manager {

class PushScheduler {
   public:
    PushScheduler(ManagerStore& store, FirmwareRepository& repo, ChunkServer& chunks, Clock& clock)
        : store_(store), repo_(repo), chunks_(chunks), clock_(clock) {}

    // Queues the images of push campaigns whose transmission time has come.
    Status tick();

   private:
    Status push_campaign(const CampaignRecord& c);
    ManagerStore& store_;
    FirmwareRepository& repo_;
    ChunkServer& chunks_;
    Clock& clock_;
    std::set<std::string> done_;  // campaigns whose images have all been pushed
};

}  // namespace fleetcast::manager
