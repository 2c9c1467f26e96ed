#pragma once
// Operator views of issue 5 (R19), built on the dashboard views and the store:
// device_status (Fig. 19), targets (Fig. 20), unregistered (Fig. 21). Read
// only: they change nothing and publish nothing.
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/json.hpp"
#include "manager/manager_store.hpp"

namespace fleetcast::manager {

inline constexpr std::string_view kStatusViewOps = "device_status, targets, unregistered";

std::optional<Expected<Json>> status_view(ManagerStore& store, const std::string& op, const cJSON* args, TimePoint now);

// device, gateway, model, status, firmware, now, and for the newest campaign
// that targets it: campaign, state, phase (waiting, downloading, updating,
// completed, error, expired...), result, progress, update_at, expected_end,
// started_at, ended_at, detail, error.
Expected<Json> device_status_view(ManagerStore& store, const cJSON* args, TimePoint now);
// campaign, total, devices: device, model, serial, gateway, transmit_at, update_at, changes [{component, old, new}]
Expected<Json> targets_view(ManagerStore& store, const cJSON* args);
// campaign, total, devices: device, reason
Expected<Json> unregistered_view(ManagerStore& store, const cJSON* args);

// The phase the operator sees for a job state (Fig. 19 "state").
std::string_view phase_of(JobState s);

}  // namespace fleetcast::manager
