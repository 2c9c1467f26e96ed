#include "device/update_machine.hpp"

#include <array>
#include <string>
#include <utility>

#include "common/enum_names.hpp"

namespace fleetcast::device {

namespace {
struct Transition {
    UpdateState from;
    UpdateEvent event;
    UpdateState to;
};
using S = UpdateState;
using E = UpdateEvent;

// The whole life of an update on the device. Idle, Postponed and Held are at
// rest (the last two only tell the panel why nothing happens); an offer starts
// Receiving at once, or after the deferment period (AwaitingDeferment, R12).
// Until the boot pointer flips the update can be canceled (R15), expire (R18)
// or be postponed; until writing starts it can be suspended (R19). Writing
// ends in the flip, stored in the same atomic write that enters Restarting;
// the next power-on is the trial boot, which confirms the new slots or rolls
// back to the old ones (R22). Restarting and TrialBoot happen at power-on
// only (DeviceAgent::start): once the flip is stored the agent takes no event.
constexpr std::array kTable{
    Transition{S::Idle, E::Requested, S::AwaitingDeferment},
    Transition{S::Idle, E::Accepted, S::Receiving},
    Transition{S::Idle, E::Postponed, S::Postponed},
    Transition{S::Postponed, E::Requested, S::AwaitingDeferment},
    Transition{S::Postponed, E::Accepted, S::Receiving},
    Transition{S::Postponed, E::Postponed, S::Postponed},
    Transition{S::Held, E::Requested, S::AwaitingDeferment},
    Transition{S::Held, E::Accepted, S::Receiving},
    Transition{S::Held, E::Postponed, S::Postponed},
    // A request of another campaign replaces the one waiting.
    Transition{S::AwaitingDeferment, E::Requested, S::AwaitingDeferment},
    Transition{S::AwaitingDeferment, E::Accepted, S::Receiving},
    Transition{S::AwaitingDeferment, E::Deferred, S::Idle},
    Transition{S::AwaitingDeferment, E::Postponed, S::Postponed},
    Transition{S::AwaitingDeferment, E::Suspended, S::Held},
    Transition{S::AwaitingDeferment, E::Canceled, S::Idle},
    Transition{S::AwaitingDeferment, E::Expired, S::Idle},
    // The chunks written so far stay in the slot: an offer of the same image resumes them.
    Transition{S::Receiving, E::Abandoned, S::Idle},
    Transition{S::Receiving, E::Postponed, S::Postponed},
    Transition{S::Receiving, E::Suspended, S::Held},
    Transition{S::Receiving, E::Canceled, S::Idle},
    Transition{S::Receiving, E::Expired, S::Idle},
    Transition{S::Receiving, E::Verified, S::Writing},
    Transition{S::Writing, E::Abandoned, S::Idle},
    Transition{S::Writing, E::Postponed, S::Postponed},
    Transition{S::Writing, E::Canceled, S::Idle},
    Transition{S::Writing, E::Expired, S::Idle},
    Transition{S::Writing, E::Resumed, S::Receiving},
    Transition{S::Writing, E::Flipped, S::Restarting},
    Transition{S::Writing, E::RestartLost, S::Idle},
    Transition{S::Restarting, E::PoweredOn, S::TrialBoot},
    // An update handler could not select the new slots (activate): the old ones stay.
    Transition{S::Restarting, E::RolledBack, S::Idle},
    Transition{S::TrialBoot, E::BootConfirmed, S::Idle},
    Transition{S::TrialBoot, E::RolledBack, S::Idle},
};

constexpr std::array kStateNames{
    std::pair{S::Idle, "idle"},
    std::pair{S::AwaitingDeferment, "awaiting_deferment"},
    std::pair{S::Receiving, "receiving"},
    std::pair{S::Postponed, "postponed"},
    std::pair{S::Held, "held"},
    std::pair{S::Writing, "writing"},
    std::pair{S::Restarting, "restarting"},
    std::pair{S::TrialBoot, "trial_boot"},
};
}  // namespace

std::string_view to_string(UpdateState s) { return name_in(kStateNames, s); }

Expected<UpdateState> update_state_from_string(std::string_view s) { return value_in(kStateNames, s, "update state"); }

std::string_view to_string(UpdateEvent e) {
    switch (e) {
        case E::Requested: return "requested";
        case E::Accepted: return "accepted";
        case E::Deferred: return "deferred";
        case E::Postponed: return "postponed";
        case E::Suspended: return "suspended";
        case E::Canceled: return "canceled";
        case E::Expired: return "expired";
        case E::Abandoned: return "abandoned";
        case E::Verified: return "verified";
        case E::Resumed: return "resumed";
        case E::Flipped: return "flipped";
        case E::RestartLost: return "restart_lost";
        case E::PoweredOn: return "powered_on";
        case E::BootConfirmed: return "boot_confirmed";
        case E::RolledBack: return "rolled_back";
    }
    return "unknown";
}

std::optional<UpdateState> next_state(UpdateState from, UpdateEvent event) {
    for (const auto& t : kTable)
        if (t.from == from && t.event == event) return t.to;
    return std::nullopt;
}

}  // namespace fleetcast::device
