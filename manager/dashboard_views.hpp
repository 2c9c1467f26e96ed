#pragma once
// Read-only operator views added for the web dashboard (topics.md):
// campaign_list, device_detail and gateway_table. Built from the store only;
// they change nothing and publish nothing.
#include "common/error.hpp"
#include "common/json.hpp"
#include "common/operator_messages.hpp"
#include "common/operator_views.hpp"
#include "manager/campaign_control.hpp"
#include "manager/manager_store.hpp"

namespace fleetcast::manager {

// Every campaign, newest first.
Expected<std::vector<CampaignRecord>> all_campaigns(ManagerStore& store);
// A device as every view shows it (device_list, device_detail, device_status), without its deferment.
DeviceRow device_row(const DeviceRecord& d);

// Newest first: the campaign's fields, status (scheduled, running, paused,
// canceled, ended), reason, summary, gateways, control (issue 16).
Expected<Json> campaign_list_view(ManagerStore& store, CampaignControl& control, const CampaignListArgs& args);
Expected<Json> device_detail_view(ManagerStore& store, const DeviceArgs& args);
Expected<Json> gateway_table_view(ManagerStore& store, const GatewayArgs& args);

}  // namespace fleetcast::manager
