#include "device/boot_health.hpp"

namespace fleetcast::device {

Status check_boot_health(const BootHealthConfig& config, const DeviceNvState& state) {
    if (!state.trial) return ok_status();
    for (const auto& [component, fw_id] : state.trial->fw_ids) {
        auto it = state.components.find(component);
        auto bad = config.fail_first_boot.find(component);
        if (it != state.components.end() && bad != config.fail_first_boot.end() && bad->second == it->second.version)
            return make_error("health_check",
                              "health check failed on the first boot of " + component + " " + it->second.version);
    }
    return ok_status();
}

namespace {
std::string first_fw_id(const BootTrial& t) { return t.fw_ids.empty() ? std::string() : t.fw_ids.begin()->second; }

void roll_back(DeviceNvState& state) {
    const BootTrial& t = *state.trial;
    for (const auto& [component, fw_id] : t.fw_ids) {
        auto prev = t.previous.find(component);
        if (prev != t.previous.end()) state.components[component] = prev->second;
        else state.components.erase(component);  // new to the device: nothing older to boot
    }
}
}  // namespace

Expected<BootOutcome> settle_boot_trial(DeviceNvState& state, const TrialSteps& steps,
                                        const std::function<Status(const DeviceNvState&)>& save) {
    if (!state.trial) return BootOutcome{};
    auto move = [&](UpdateEvent e) {
        if (auto to = next_state(state.update_state, e)) state.update_state = *to;
    };
    // Stored before the step runs (real handlers only: the simulator has no steps to resume).
    auto record = [&](const char* step) -> Status {
        if (!steps.record_steps) return ok_status();
        state.handler_step = step;
        return save(state);
    };
    BootOutcome out;
    out.trial = true;
    out.campaign = state.trial->campaign;
    Status health = ok_status();
    if (state.trial->attempted) {
        if (state.handler_step == "commit") {
            // Healthy, and the power went during the commit: commit again.
        } else if (state.handler_step == "rollback") {
            health =
                make_error("rollback_resumed", "the rollback of the failed first boot was interrupted and ran again");
        } else {
            health =
                make_error("boot_unconfirmed", "the first boot of the new firmware stopped before it was confirmed");
        }
    } else {
        // Recorded before the check runs: losing power during it counts as a failed boot.
        state.trial->attempted = true;
        move(UpdateEvent::PoweredOn);
        if (steps.record_steps) state.handler_step = "verify";
        auto st = save(state);
        if (!st) return st.error();
        health = steps.health ? steps.health(state) : ok_status();
    }
    if (health && steps.commit) {
        auto st = record("commit");
        if (!st) return st.error();
        auto committed = steps.commit(state);
        if (!committed) health = make_error("commit", committed.error().message);
    }
    if (!health && steps.roll_back) {
        auto st = record("rollback");
        if (!st) return st.error();
        out.reboot = steps.roll_back(state);
    }
    move(health ? UpdateEvent::BootConfirmed : UpdateEvent::RolledBack);
    if (!health) {
        out.rolled_back = true;
        out.never_booted = health.error().code == kNeverBooted;
        out.fw_id = first_fw_id(*state.trial);
        out.reason = health.error().message;
        roll_back(state);
    }
    state.trial.reset();
    state.handler_step.clear();
    auto st = save(state);
    if (!st) return st.error();
    return out;
}

}  // namespace fleetcast::device
