#pragma once
// What gateways tell the manager: device registry updates (device_seen), job
// progress and results (job), cache state (cache) and their own process state.
// Every handler is idempotent: QoS 1 delivers duplicates.
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/messages.hpp"
#include "manager/campaign_control.hpp"
#include "manager/failure_guard.hpp"
#include "manager/manager_store.hpp"
#include "manager/reconciler.hpp"
#include "manager/schedule_publisher.hpp"
#include "manager/wave_guard.hpp"

namespace fleetcast::manager {

class ReportHandler {
   public:
    ReportHandler(ManagerStore& store, SchedulePublisher& schedules, Reconciler& reconciler, CampaignControl& control,
                  FailureGuard& guard, WaveGuard& waves, Clock& clock)
        : store_(store),
          schedules_(schedules),
          reconciler_(reconciler),
          control_(control),
          guard_(guard),
          waves_(waves),
          clock_(clock) {}

    // A report on gw/{gateway}/report. Errors are bad input or storage failures.
    Status on_report(const std::string& gateway, std::string_view payload);
    // A retained process_state on gw/{gateway}/state.
    Status on_gateway_state(const std::string& gateway, std::string_view payload);

   private:
    Status on_device_seen(const std::string& gateway, const DeviceSeenReport& r);
    Status on_job(const std::string& gateway, const JobReport& r);
    Status on_cache(const std::string& gateway, const CacheReport& r);
    Status on_rate(const std::string& gateway, const RateReport& r);
    ManagerStore& store_;
    SchedulePublisher& schedules_;
    Reconciler& reconciler_;    // digest and unknown_job reports (R27)
    CampaignControl& control_;  // campaign_ack reports; unconfirmed commands sent again (issue 16)
    FailureGuard& guard_;       // an ended target may cross the campaign's failure threshold (issue 16 item 3)
    WaveGuard& waves_;          // ... or let its wave meet its success share (issue 16 item 2)
    Clock& clock_;
};

}  // namespace fleetcast::manager
