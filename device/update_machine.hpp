#pragma once
// The device's update as an explicit state machine: every state an update can
// be in (UpdateState, stored as "update_state" in DIR/state.json), what can
// happen to it (UpdateEvent), and the whole transition table in one function
// (update_machine.cpp). The optionals of DeviceNvState (update,
// pending_request, trial, ...) are the data of a state; which state the device
// is in is this enum, changed only through next_state().
#include <optional>
#include <string_view>

#include "common/error.hpp"

namespace fleetcast::device {

enum class UpdateState {
    Idle,               // nothing to do: runs its firmware
    AwaitingDeferment,  // a communication request waits out the deferment period (R12): pending_request
    Receiving,          // chunks go into the inactive slots: update
    Postponed,          // the gateway moved the update later (R13, R14): postponed_until, for the panel
    Held,               // the operator suspended the update (R19): held_campaign, for the panel
    Writing,            // every image verified; writing it (cancellable, R15): update
    Restarting,         // the boot pointer flipped; the next power-on is a trial boot: trial
    TrialBoot,          // the trial boot started and is not confirmed yet (R22): trial.attempted
};

enum class UpdateEvent {
    Requested,      // a communication request to answer after the deferment period (R12)
    Accepted,       // an offer taken, or the deferment over: receiving begins
    Deferred,       // the user pressed defer on the waiting screen: the gateway asks again later (R14)
    Postponed,      // the gateway moved the update later (R13, R14)
    Suspended,      // the operator holds the update until a resume (R19)
    Canceled,       // canceled before the boot pointer flipped (R15)
    Expired,        // the campaign expired (R18)
    Abandoned,      // receiving stopped: replaced by another campaign, a write failure, a slot that cannot be opened
    Verified,       // every image is in and its SHA-256 checked: writing starts
    Resumed,        // power-on while writing: the slots are checked again
    Flipped,        // the boot pointer flip is stored: the device restarts
    RestartLost,    // the restart after the install never comes back (simulated fault): no flip
    PoweredOn,      // the power-on after the flip: the trial boot starts (recorded before the health check)
    BootConfirmed,  // the health check passed: the new slots stay
    RolledBack,     // the health check failed, or the trial boot never confirmed: the old slots boot
};

std::string_view to_string(UpdateState s);
std::string_view to_string(UpdateEvent e);
Expected<UpdateState> update_state_from_string(std::string_view s);

// The next state, or nullopt when the event does not apply in state `from`.
std::optional<UpdateState> next_state(UpdateState from, UpdateEvent event);

// Every state and every event, for tests and the README's diagram.
inline constexpr UpdateState kAllUpdateStates[] = {
    UpdateState::Idle, UpdateState::AwaitingDeferment, UpdateState::Receiving,  UpdateState::Postponed,
    UpdateState::Held, UpdateState::Writing,           UpdateState::Restarting, UpdateState::TrialBoot,
};
inline constexpr UpdateEvent kAllUpdateEvents[] = {
    UpdateEvent::Requested, UpdateEvent::Accepted,      UpdateEvent::Deferred,   UpdateEvent::Postponed,
    UpdateEvent::Suspended, UpdateEvent::Canceled,      UpdateEvent::Expired,    UpdateEvent::Abandoned,
    UpdateEvent::Verified,  UpdateEvent::Resumed,       UpdateEvent::Flipped,    UpdateEvent::RestartLost,
    UpdateEvent::PoweredOn, UpdateEvent::BootConfirmed, UpdateEvent::RolledBack,
};

}  // namespace fleetcast::device
