#pragma once
// Push mode (R8): at a campaign's transmission time the manager sends each
// image its targets need to their gateway, unasked, so the gateway's cache is
// full before the update time. An image goes to a gateway once (recorded
// before sending); whatever did not arrive, the gateway fetches at update time.
#include <map>
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
    // false when a gateway's maintenance window was closed: tried again at
    // its next opening (issue 16 item 5; a push already started goes on).
    Expected<bool> push_campaign(const CampaignRecord& c, const std::string& key, TimePoint now);
    ManagerStore& store_;
    FirmwareRepository& repo_;
    ChunkServer& chunks_;
    Clock& clock_;
    std::set<std::string> done_;                 // campaigns whose images have all been pushed
    std::map<std::string, TimePoint> retry_at_;  // campaigns waiting for a gateway's window
};

}  // namespace fleetcast::manager
