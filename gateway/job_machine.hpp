#pragma once
// The per-device update job as an explicit state machine: what can happen to a
// job (JobEvent), the whole transition table in one function, the timers each
// state holds and what leaving a state undoes. Anything not in the table is
// ignored by the caller (a duplicate or a late message).
#include <optional>
#include <string_view>

#include "common/job_rules.hpp"
#include "common/messages.hpp"

namespace fleetcast::gateway {

enum class JobEvent {
    FetchStarted,     // the gateway asks the manager for an image this job needs
    Offered,          // communication request (offer) sent to the device: its answer is due (R11)
    OfferAgain,       // the offer must be sent again (device back online, gateway restart, broker session lost)
    Answered,         // the device answered ready: transmission may start (R11)
    Deferred,         // the device answered that it defers (R12): it answers at the given time
    Postponed,        // update time moved later: busy, service call, defer, no response (R13, R14)
    NoResponse,       // no answer to the communication request within the timeout (R11)
    DeviceBack,       // a device postponed for no response came back online: its update is due now, not a period later
    CancelRequested,  // a cancel was sent to the device during the transfer or the writing: it decides (R15)
    Canceled,         // the update was canceled before the boot pointer flipped (R15)
    Installing,       // device progress: phase installing
    Restarting,       // device progress: phase restarting
    // A power_on report, judged by what it proves (topics.md flow step 7). It
    // follows this attempt's install when the device reported installing or
    // restarting since its last ready, or its boot count moved past that
    // ready's; then it proves which image booted by each component's SHA-256.
    BootedExpected,  // after the install, every component booted the signed manifest's image (version and SHA-256)
    BootedOther,     // after the install, some component booted another version or image: the attempt failed
    BootUnproven,  // proves no install of this attempt (e.g. sent during the transfer), or no image hash: no row, never
                   // changes a job
    DeviceError,   // device reported an error: the attempt failed
    Rejected,      // the image can never be installed this way (wrong model, refused downgrade, bad manifest): no retry
                   // (R17)
    Expired,       // expires_at passed (or cannot be met) before the transfer ended (R18)
    RetryScheduled,  // an attempt failed and the retry policy allows another (R17)
    NoPowerOn,       // no power-on report within the policy's timeout, no retry left (R16)
    Suspended,       // the operator holds the update until a resume; the device keeps what it received (R19)
    Resumed,         // the operator releases the hold: the schedule offers the update again (R19)
    // Campaign-level control (issue 16), run on every job of the campaign:
    CampaignPaused,    // the campaign is paused: held like a suspend, beside it (a resume keeps a suspend)
    CampaignResumed,   // the campaign runs again: offered again, the device asks only for what it lacks
    CampaignCanceled,  // the campaign is canceled: ends CANCELED unless past the boot-pointer flip
};
std::string_view to_string(JobEvent e);

// Where a job is: its reported state and the holds that live beside it
// (stored in the row, reported as `suspended`; a pending cancel is the
// gateway's own).
struct JobPhase {
    JobState state = JobState::Waiting;
    bool suspended = false;       // R19: held by the operator until resumed
    bool cancel_pending = false;  // R15: a cancel waits for the device's answer
    bool paused = false;          // issue 16: its campaign is paused until resumed
};

// The next phase, or nullopt when the event does not apply in `from`.
std::optional<JobPhase> next_phase(const JobPhase& from, JobEvent event);
// The next state whatever the holds (the table's state column alone).
std::optional<JobState> next_state(JobState from, JobEvent event);

// Events that end an attempt of the job (counted in JobRow::attempts, R17).
bool ends_attempt(JobEvent event);

// What a job in a state waits for (JobRow's timers, stored with the row):
// Requesting jobs an answer (answer_due), Requesting and Transferring jobs
// possibly a repeated offer (offer_pending), Installing and Restarting jobs
// the power-on report (power_on_since).
bool awaits_answer(JobState s);
bool may_be_reoffered(JobState s);
// The reason a job waits after its device did not answer the offer (R11): the
// start of its comment, so a device that comes back online can be told apart
// from one that deferred or was busy.
inline constexpr std::string_view kNoResponse = "no response";
bool awaits_power_on(JobState s);

// What JobTable undoes, once, after a job's change is stored: it is
// computed from the change itself, never written at the call sites.
struct ExitActions {
    bool withdraw = false;         // the device leaves the fan-out plans of the campaign
    bool drop_repairs = false;     // the device's queued repair chunks are dropped
    bool stop_unattended = false;  // fan-outs of the campaign nobody listens to any more stop
};
ExitActions exit_actions(JobState to, JobEvent event);

// The rules a caller asks before it sends an event (R15, R19, R14). Kept as
// small functions so they can move to common/ unchanged.
// The rules the operator side shares (common/job_rules.hpp), written once there.
using job_rules::can_defer;
using job_rules::can_suspend;
using job_rules::is_terminal;

}  // namespace fleetcast::gateway
