#pragma once
// Operator views of issue 5 (R19), built on the dashboard views and the store:
// device_status (Fig. 19), targets (Fig. 20), unregistered (Fig. 21). Read
// only: they change nothing and publish nothing.

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/json.hpp"
#include "common/operator_messages.hpp"
#include "manager/manager_store.hpp"

namespace fleetcast::manager {

// device, gateway, model, status, firmware, now, and for the newest campaign
// that targets it: campaign, state, phase (waiting, downloading, updating,
// completed, error, expired...), result, progress, update_at, expected_end,
// started_at, ended_at, detail, error.
Expected<Json> device_status_view(ManagerStore& store, const DeviceArgs& args, TimePoint now);
// campaign, total, devices: device, model, serial, gateway, transmit_at, update_at, changes [{component, old, new}]
Expected<Json> targets_view(ManagerStore& store, const TargetsArgs& args);
// campaign, total, devices: device, reason
Expected<Json> unregistered_view(ManagerStore& store, const CampaignArgs& args);

}  // namespace fleetcast::manager
