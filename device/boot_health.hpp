#pragma once
// The first boot of a newly installed image (R22). The boot pointer flip
// leaves a BootTrial in the state file; the next power-on runs the health
// check and either confirms the new slots or rolls the updated components back
// to the slots they booted before, with the reason. A trial boot that never
// got as far as confirming (power lost during it) counts as failed, like a
// bootloader's boot-attempt counter.
//
// The health check is the agent's DevicePolicy's (device_policy.hpp): the
// simulator fails the first boot of component=version (--fail-first-boot) or
// every new image (--fault-boot-fails); a real agent runs the product's own
// self-test there. Every step moves the update state through its table
// (Restarting -> TrialBoot -> Idle, update_machine.hpp).
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
    // The new image never came up (the bootloader fell back): no check of
    // ours saw why, and the power_on with the old versions is the report.
    bool never_booted = false;
    bool reboot = false;  // the rollback needs a reboot to run the old image (a handler's slot)
};

// The health check's verdict on an image that never started at all.
inline constexpr const char* kNeverBooted = "no_boot";
using HealthCheck = std::function<Status(const DeviceNvState&)>;

// What settling a trial runs (the agent's DevicePolicy): the health check,
// the commit of a healthy boot, the rollback of a failed one (true: that
// takes a reboot). With `record_steps` each is recorded in state.handler_step
// before it runs, so a power cut during the commit commits again and one
// during the rollback rolls back again.
struct TrialSteps {
    HealthCheck health;
    std::function<Status(const DeviceNvState&)> commit;
    std::function<bool(const DeviceNvState&)> roll_back;
    bool record_steps = false;
};

// The simulated health check of the versions `state` boots.
Status check_boot_health(const BootHealthConfig& config, const DeviceNvState& state);

// Settles a pending trial in `state`, saving each decision through `save`
// before it is acted on. No trial: returns {trial=false} and changes nothing.
Expected<BootOutcome> settle_boot_trial(DeviceNvState& state, const TrialSteps& steps,
                                        const std::function<Status(const DeviceNvState&)>& save);

}  // namespace fleetcast::device
