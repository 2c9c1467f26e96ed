#pragma once
// The first boot of a newly installed image (R22). The boot pointer flip
// leaves a BootTrial in the state file; the next power-on runs the health
// check and either confirms the new slots or rolls the updated components back
// to the slots they booted before, with the reason. A trial boot that never
// got as far as confirming (power lost during it) counts as failed, like a
// bootloader's boot-attempt counter.
//
// The health check here is simulated: a device told to fail the first boot of
// component=version (fleetcast-device --fail-first-boot) fails it. A real
// agent would run the product's own self-test at this point.
#include <functional>
#include <string>

#include "common/error.hpp"
#include "device/device_state.hpp"

namespace fleetcast::device {

struct BootHealthConfig {
    Versions fail_first_boot;  // component -> version whose first boot fails
};

struct BootOutcome {
    bool trial = false;        // this power-on was the first boot of an update
    bool rolled_back = false;  // ... and it failed: the old slots boot again
    std::string campaign;
    std::string fw_id;   // the image blamed (first failing component)
    std::string reason;  // why it was rolled back
};

// The simulated health check of the versions `state` boots.
Status check_boot_health(const BootHealthConfig& config, const DeviceNvState& state);

// Settles a pending trial in `state`, saving each decision through `save`
// before it is acted on. No trial: returns {trial=false} and changes nothing.
Expected<BootOutcome> settle_boot_trial(DeviceNvState& state, const BootHealthConfig& config,
                                        const std::function<Status(const DeviceNvState&)>& save);

}  // namespace fleetcast::device
