#pragma once
// Issue 16 item 2: opens a campaign's next wave once the open one met its
// success share and soaked (manager/wave_evaluation decides). The new state
// is stored first (the soak's start, then the open wave), then the schedules
// of the gateways that gained devices are published again: a gateway sees a
// device only once its wave is open (SchedulePublisher leaves the others out).
// Checked when a job report ends a target, every second from the manager's
// tick (soaks, resumes), and at manager start. Only an active campaign opens
// a wave: a paused or canceled one waits.
#include <string>

#include "common/clock.hpp"
#include "common/operator_waves.hpp"
#include "manager/manager_store.hpp"
#include "manager/schedule_publisher.hpp"

namespace fleetcast::manager {

class WaveGuard {
   public:
    WaveGuard(ManagerStore& store, SchedulePublisher& schedules, Clock& clock)
        : store_(store), schedules_(schedules), clock_(clock) {}

    // A target of `campaign` ended.
    Status check(const std::string& campaign);
    // Every active campaign with a wave to open (tick, manager start).
    Status check_all();
    // Manager start: targets of unopened waves of a canceled campaign end
    // CANCELED (a manager killed between the cancel and that step).
    Status end_canceled_waves();

   private:
    Status check(const CampaignRecord& c);
    Status open_next(const CampaignRecord& c);
    // The campaign expired: the targets of waves not opened end EXPIRED.
    Status expire_unopened(const CampaignRecord& c);
    ManagerStore& store_;
    SchedulePublisher& schedules_;
    Clock& clock_;
};

// What campaign_list (without tallies) and results (with) show of the waves of `c` (it has waves).
Expected<WaveView> wave_view(ManagerStore& store, const CampaignRecord& c, bool tallies);

}  // namespace fleetcast::manager
