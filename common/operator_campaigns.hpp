#pragma once
// The operator's campaign-level control (issue 16): campaign_pause,
// campaign_resume and campaign_cancel, their args, and the one answer they
// and campaign_list share (where the campaign and its last command stand on
// every gateway). See topics.md "Operator request / response".
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/json.hpp"
#include "common/messages.hpp"

namespace fleetcast {

// What an operator sees of a campaign: preparing (its deltas are being made:
// no gateway has its schedule yet), scheduled (its update time has not
// come), running, paused (with the reason), canceled, ended (every target ended).
inline constexpr std::string_view kCampaignPreparingState = "preparing";
inline constexpr std::string_view kCampaignScheduled = "scheduled";
inline constexpr std::string_view kCampaignRunning = "running";
inline constexpr std::string_view kCampaignPausedState = "paused";
inline constexpr std::string_view kCampaignCanceledState = "canceled";
inline constexpr std::string_view kCampaignEndedState = "ended";

inline constexpr std::size_t kMaxCampaignReason = 512;
// campaign_pause (reason optional: "by operator" otherwise), campaign_resume, campaign_cancel.
struct CampaignControlArgs {
    std::string campaign;
    std::string reason;
};
void to_json(cJSON* o, const CampaignControlArgs& a);
Expected<CampaignControlArgs> campaign_control_args_from_json(const cJSON* o);

// One gateway of the campaign and the last command sent to it.
struct CampaignGatewayAck {
    std::string gateway;
    bool online = false;     // as the manager last heard (gw/{gw}/state)
    bool confirmed = false;  // the gateway's campaign_ack named the command's request id
};
// The answer of campaign_pause/resume/cancel, and "control" in each
// campaign_list entry: the campaign's state, why it is paused or canceled,
// its last campaign-level command and which gateways confirmed it.
struct CampaignControlView {
    std::string campaign;
    std::string state;                     // preparing | scheduled | running | paused | canceled | ended
    std::string reason;                    // paused, canceled: why (empty otherwise)
    std::optional<CampaignAction> action;  // the last command; none yet: absent
    std::string request_id;
    std::optional<TimePoint> at;  // when it was given
    std::vector<CampaignGatewayAck> gateways;
    // Online gateways that have not confirmed the command yet.
    std::vector<std::string> unconfirmed_online() const;
    // Offline gateways that have not confirmed it: they apply it when they come back.
    std::vector<std::string> unconfirmed_offline() const;
};
void to_json(cJSON* o, const CampaignControlView& v);
Expected<CampaignControlView> campaign_control_view_from_json(const cJSON* o);

}  // namespace fleetcast
