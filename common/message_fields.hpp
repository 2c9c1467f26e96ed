#pragma once
// Shared by the messages_*.cpp decoders only.
#include "common/json.hpp"
#include "common/messages.hpp"

#define FC_TRY(var, expr) \
    auto var = (expr);    \
    if (!var) return var.error()

namespace fleetcast::detail {
// Checks the "type" field of a message object.
Status expect_type(const cJSON* obj, const char* type);
// Returns the "type" field of a message object.
Expected<std::string> message_type(const cJSON* obj);
Expected<DeviceSeenReport> device_seen_from_json(const cJSON* obj);
// messages_control.cpp: the cancel/defer/set-param messages
Expected<DeviceCommand> control_command_from_json(const cJSON* obj, const std::string& type);
Expected<DeviceEvent> control_event_from_json(const cJSON* obj, const std::string& type);
// messages_campaign.cpp: the campaign-level command (issue 16)
Expected<GwCampaignCmd> campaign_command_from_json(const cJSON* obj);
Expected<Millis> millis_from_json(const cJSON* obj, const char* key, Millis max);
// A campaign's mode and times as the schedule and campaign_create's answer carry them.
struct CampaignPlanFields {
    TransferMode mode = TransferMode::Pull;
    TimePoint update_at{};
    std::optional<TimePoint> transmit_at;
    std::optional<TimePoint> expires_at;
};
Expected<CampaignPlanFields> campaign_plan_from_json(const cJSON* obj);
// 64 lowercase hex digits: how every SHA-256 travels in JSON.
bool is_sha256_hex(std::string_view s);
}  // namespace fleetcast::detail
