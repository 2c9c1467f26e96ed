#pragma once
// Campaign-level control (issue 16): the operator's campaign_pause,
// campaign_resume and campaign_cancel. The manager stores the campaign's new
// state and the command (one unconfirmed row per gateway of the campaign) in
// one transaction, then sends the command on gw/{gw}/cmd to every gateway of
// the campaign; a cancel also clears the campaign's retained schedules. Each
// gateway applies it to every job of the campaign and confirms it with a
// campaign_ack report; the manager sends it again to a gateway that has not
// confirmed it whenever that gateway comes back online or sends a digest.
#include <string>

#include "common/clock.hpp"
#include "common/json.hpp"
#include "common/operator_campaigns.hpp"
#include "common/transport.hpp"
#include "manager/manager_store.hpp"
#include "manager/schedule_publisher.hpp"

namespace fleetcast::manager {

// What an operator sees of a stored campaign (common/operator_campaigns.hpp):
// active is scheduled before its update time and running after it;
// preparing_paused is paused.
std::string campaign_status(const CampaignRecord& c, TimePoint now);

// What moves a campaign: the operator's commands, and (issue 17 follow-up)
// the end of its preparation: every delta it wants made or given up.
enum class CampaignEvent { Pause, Resume, Cancel, Prepared };
// The stored state `event` moves `c` to (the transition table in
// campaign_control.cpp); nullopt with no error: it is already so; an error:
// the event does not apply in c's state.
Expected<std::optional<std::string_view>> campaign_transition(const CampaignRecord& c, CampaignEvent event,
                                                              TimePoint now);
// Whether the gateways were sent the campaign's schedules (not while it is preparing).
bool schedules_sent(std::string_view state);

class CampaignControl {
   public:
    CampaignControl(ManagerStore& store, SchedulePublisher& schedules, Transport& transport, Clock& clock)
        : store_(store), schedules_(schedules), transport_(transport), clock_(clock) {}

    // campaign_pause / campaign_resume / campaign_cancel: the answer is the
    // campaign's view right after the command was sent (CampaignControlView).
    Expected<Json> command(const std::string& req_id, CampaignAction action, const CampaignControlArgs& args);
    // The campaign's state, its last command and which gateways confirmed it.
    Expected<CampaignControlView> view(const CampaignRecord& c);
    // A gateway's campaign_ack report.
    Status on_ack(const std::string& gateway, const CampaignAckReport& r);
    // Sends `gateway` every campaign command it has not confirmed (it came
    // back online, or its digest shows it is there).
    Status resend_unconfirmed(const std::string& gateway);

   private:
    Status send(const std::string& gateway, const CampaignCommandRecord& c);
    ManagerStore& store_;
    SchedulePublisher& schedules_;
    Transport& transport_;
    Clock& clock_;
};

}  // namespace fleetcast::manager
