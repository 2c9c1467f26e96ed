#include "gateway/job_machine.hpp"

#include <array>

namespace fleetcast::gateway {

namespace {
struct Transition {
    JobState from;
    JobEvent event;
    JobState to;
};
using S = JobState;
using E = JobEvent;

// The whole life of a job. Completed, Failed, Expired and Canceled are
// final; a failed attempt with retries left goes back to Waiting (R17).
// Waiting -> Requesting (communication request sent, R11) -> Transferring
// (the device answered) -> Installing -> Restarting -> Completed. Until the
// transfer starts the job can go back to Waiting with a later update time
// (busy, defer, no response: R13, R14); until the boot pointer flips it can
// be canceled (R15) or suspended (R19).
constexpr std::array kTable{
    Transition{S::Waiting, E::FetchStarted, S::Fetching},
    Transition{S::Waiting, E::Offered, S::Requesting},
    Transition{S::Waiting, E::Postponed, S::Waiting},
    Transition{S::Waiting, E::Canceled, S::Canceled},
    Transition{S::Waiting, E::DeviceError, S::Failed},
    Transition{S::Waiting, E::Expired, S::Expired},
    Transition{S::Fetching, E::FetchStarted, S::Fetching},
    Transition{S::Fetching, E::Offered, S::Requesting},
    Transition{S::Fetching, E::Postponed, S::Waiting},
    Transition{S::Fetching, E::Canceled, S::Canceled},
    Transition{S::Fetching, E::DeviceError, S::Failed},
    Transition{S::Fetching, E::Expired, S::Expired},
    Transition{S::Requesting, E::Offered, S::Requesting},
    Transition{S::Requesting, E::Answered, S::Transferring},
    Transition{S::Requesting, E::Postponed, S::Waiting},
    Transition{S::Requesting, E::NoResponse, S::Waiting},
    Transition{S::Requesting, E::Canceled, S::Canceled},
    Transition{S::Requesting, E::Installing, S::Installing},
    Transition{S::Requesting, E::Restarting, S::Restarting},
    Transition{S::Requesting, E::BootedExpected, S::Completed},
    Transition{S::Requesting, E::BootedOther, S::Failed},
    Transition{S::Requesting, E::DeviceError, S::Failed},
    Transition{S::Requesting, E::Expired, S::Expired},
    Transition{S::Requesting, E::RetryScheduled, S::Waiting},
    Transition{S::Transferring, E::Offered, S::Transferring},
    Transition{S::Transferring, E::Answered, S::Transferring},
    Transition{S::Transferring, E::Installing, S::Installing},
    Transition{S::Transferring, E::Restarting, S::Restarting},
    Transition{S::Transferring, E::BootedExpected, S::Completed},
    Transition{S::Transferring, E::BootedOther, S::Failed},
    Transition{S::Transferring, E::DeviceError, S::Failed},
    Transition{S::Transferring, E::Expired, S::Expired},
    Transition{S::Transferring, E::RetryScheduled, S::Waiting},
    Transition{S::Transferring, E::Canceled, S::Canceled},
    Transition{S::Installing, E::Restarting, S::Restarting},
    Transition{S::Installing, E::BootedExpected, S::Completed},
    Transition{S::Installing, E::BootedOther, S::Failed},
    Transition{S::Installing, E::DeviceError, S::Failed},
    Transition{S::Installing, E::RetryScheduled, S::Waiting},
    Transition{S::Installing, E::NoPowerOn, S::Failed},
    Transition{S::Installing, E::Canceled, S::Canceled},
    Transition{S::Restarting, E::BootedExpected, S::Completed},
    Transition{S::Restarting, E::BootedOther, S::Failed},
    Transition{S::Restarting, E::DeviceError, S::Failed},
    Transition{S::Restarting, E::RetryScheduled, S::Waiting},
    Transition{S::Restarting, E::NoPowerOn, S::Failed},
    // R19: an operator's suspend holds the job in Waiting until the resume;
    // once the image is being written it is too late.
    Transition{S::Waiting, E::Suspended, S::Waiting},
    Transition{S::Fetching, E::Suspended, S::Waiting},
    Transition{S::Requesting, E::Suspended, S::Waiting},
    Transition{S::Transferring, E::Suspended, S::Waiting},
    // A late power-on report of an attempt that was given up on still counts.
    Transition{S::Waiting, E::BootedExpected, S::Completed},
};
}  // namespace

std::string_view to_string(JobEvent e) {
    switch (e) {
        case E::FetchStarted: return "fetch_started";
        case E::Offered: return "offered";
        case E::Answered: return "answered";
        case E::Postponed: return "postponed";
        case E::NoResponse: return "no_response";
        case E::Canceled: return "canceled";
        case E::Installing: return "installing";
        case E::Restarting: return "restarting";
        case E::BootedExpected: return "booted_expected";
        case E::BootedOther: return "booted_other";
        case E::DeviceError: return "device_error";
        case E::Expired: return "expired";
        case E::RetryScheduled: return "retry_scheduled";
        case E::NoPowerOn: return "no_power_on";
        case E::Suspended: return "suspended";
    }
    return "unknown";
}

std::optional<JobState> next_state(JobState from, JobEvent event) {
    for (const auto& t : kTable)
        if (t.from == from && t.event == event) return t.to;
    return std::nullopt;
}

bool is_terminal(JobState s) { return s == S::Completed || s == S::Failed || s == S::Expired || s == S::Canceled; }

}  // namespace fleetcast::gateway
