#pragma once
// The rules about a device's update job that the operator side and the
// gateway must agree on, written once: which states are final, when an
// operator may defer, cancel or suspend, and what the operator is shown for a
// state (result label, phase, necessity). The dashboard's copy in
// dashboard/src/model.js is tested against these (tests/dashboard/model_test.mjs).
//
// In their own namespace: gateway::is_terminal and friends stay unambiguous
// (argument-dependent lookup searches `fleetcast`, not `fleetcast::job_rules`).
#include <array>
#include <string_view>

#include "common/messages.hpp"

namespace fleetcast::job_rules {

inline constexpr std::array kAllStates{
    JobState::Waiting,    JobState::Fetching,  JobState::Requesting, JobState::Transferring, JobState::Installing,
    JobState::Restarting, JobState::Completed, JobState::Failed,     JobState::Expired,      JobState::Canceled};

// Completed, Failed, Expired, Canceled: nothing changes the job any more.
bool is_terminal(JobState s);
// R14: the update time can move later only until the transfer starts.
bool can_defer(JobState s);
// R15: an update can be canceled until the boot pointer flips (Restarting).
bool can_cancel(JobState s);
// R15: during the transfer or the install only the device knows whether its
// boot pointer flipped: the cancel is sent to it and it answers `canceled`.
// Before the transfer the gateway cancels on its own.
bool cancel_needs_device(JobState s);
// R19: an update can be held until its image is being written.
bool can_suspend(JobState s);

// Result labels of the operator's views (Fig. 46), in display order.
inline constexpr std::string_view kResultCompleted = "UPDATING COMPLETED";
inline constexpr std::string_view kResultWaiting = "WAITING FOR RE-UPDATING";
inline constexpr std::string_view kResultError = "ERROR";
inline constexpr std::string_view kResultExpired = "EXPIRED";
inline constexpr std::string_view kResultCanceled = "CANCELED";
inline constexpr std::array kResultLabels{kResultCompleted, kResultWaiting, kResultError, kResultExpired,
                                          kResultCanceled};
std::string_view result_label(JobState s);
// Fig. 19 "state": waiting, downloading, updating, completed, error, expired, canceled.
std::string_view phase_of(JobState s);
// Fig. 24 "necessity": the update is still needed (YES) until the job ended.
std::string_view necessity(JobState s);

}  // namespace fleetcast::job_rules
