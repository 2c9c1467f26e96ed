#pragma once
// The per-device update job as an explicit state machine: what can happen to a
// job (JobEvent), and the whole transition table in one function. Anything
// not in the table is ignored by the caller (a duplicate or a late message).
#include <optional>
#include <string_view>

#include "common/messages.hpp"

namespace fleetcast::gateway {

enum class JobEvent {
    FetchStarted,    // the gateway asks the manager for an image this job needs
    Offered,         // communication request (offer) sent to the device (again after a reconnect)
    Answered,        // the device answered ready: transmission may start (R11)
    Postponed,       // update time moved later: busy, service call, defer (R13, R14)
    NoResponse,      // no answer to the communication request within the timeout (R11)
    Canceled,        // the update was canceled before the boot pointer flipped (R15)
    Installing,      // device progress: phase installing
    Restarting,      // device progress: phase restarting
    BootedExpected,  // power_on with every expected new version
    BootedOther,     // power_on with some other version
    DeviceError,     // device reported an error
    Expired,         // expires_at passed (or cannot be met) before the transfer ended (R18)
    RetryScheduled,  // an attempt failed and the retry policy allows another (R17)
    NoPowerOn,       // no power-on report within the policy's timeout, no retry left (R16)
    Suspended,       // the operator holds the update until a resume; the device keeps what it received (R19)
};
std::string_view to_string(JobEvent e);

// The next state, or nullopt when the event does not apply in state `from`.
std::optional<JobState> next_state(JobState from, JobEvent event);
bool is_terminal(JobState s);

}  // namespace fleetcast::gateway
