#pragma once
// Read-only operator views added for the web dashboard (topics.md):
// campaign_list, device_detail and gateway_table. Built from the store only;
// they change nothing and publish nothing.
#include <optional>
#include <string>

#include "common/error.hpp"
#include "common/json.hpp"
#include "manager/manager_store.hpp"

namespace fleetcast::manager {

// The names of the views, for the "unknown op" message.
inline constexpr std::string_view kDashboardViewOps = "campaign_list, device_detail, gateway_table";

// The response data of `op` when it is one of these views, nullopt otherwise.
std::optional<Expected<Json>> dashboard_view(ManagerStore& store, const std::string& op, const cJSON* args);
// device, gateway, model, status, firmware, last_seen: a device in every view (device_list too).
void put_device_fields(cJSON* o, const DeviceRecord& d);

Expected<Json> campaign_list_view(ManagerStore& store, const cJSON* args);
Expected<Json> device_detail_view(ManagerStore& store, const cJSON* args);
Expected<Json> gateway_table_view(ManagerStore& store, const cJSON* args);

}  // namespace fleetcast::manager
