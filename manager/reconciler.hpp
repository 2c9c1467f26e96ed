#pragma once
// R27: the manager's half of reconciliation with its gateways. A gateway's
// digest report says what it holds per campaign; the manager compares it with
// its targets table and repairs the difference: a schedule the gateway lacks
// is published again, a campaign whose jobs differ is resynced (the gateway
// reports every job again; ReportHandler applies them, never reopening an
// ended target). The retained schedules on the broker are watched too: one
// emptied or replaced by someone else while the campaign still runs on that
// gateway is restored. What cannot be repaired is logged with ids and counted.
#include <map>
#include <string>
#include <utility>

#include "common/clock.hpp"
#include "common/counters.hpp"
#include "common/messages.hpp"
#include "common/transport.hpp"
#include "manager/manager_store.hpp"
#include "manager/schedule_publisher.hpp"

namespace fleetcast::manager {

class Reconciler {
   public:
    Reconciler(ManagerStore& store, SchedulePublisher& schedules, Transport& transport, Clock& clock,
               Counters& counters)
        : store_(store), schedules_(schedules), transport_(transport), clock_(clock), counters_(counters) {}

    Status on_digest(const std::string& gateway, const DigestReport& r);
    Status on_unknown_job(const std::string& gateway, const UnknownJobReport& r);
    // A message on gw/{gateway}/schedule/{campaign} (the retained copy when
    // subscribing, or a live publish): our own, or restored.
    Status on_schedule_seen(const std::string& gateway, const std::string& campaign, const std::string& payload);

   private:
    Status restore(const std::string& campaign, const std::string& gateway, const char* event, const char* reason);
    Status send_resync(const std::string& gateway, const std::string& campaign);
    ManagerStore& store_;
    SchedulePublisher& schedules_;
    Transport& transport_;
    Clock& clock_;
    Counters& counters_;
    // (gateway, campaign) -> (their digest, ours) when the last resync was sent:
    // the same pair again means the resync changed nothing; not asked again.
    std::map<std::pair<std::string, std::string>, std::pair<std::string, std::string>> resynced_;
    std::uint64_t next_request_ = 0;
};

}  // namespace fleetcast::manager
