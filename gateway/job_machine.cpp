#include "gateway/job_machine.hpp"

#include <array>

namespace fleetcast::gateway {

namespace {
// What a row does to the holds beside the state. A row that sets or clears a
// hold applies only when the hold is not already so (a duplicate changes
// nothing); Free applies only to a job that is not suspended.
enum class Hold {
    Keeps,       // the holds stay as they are
    Free,        // only while not suspended: a held job is never fetched for nor offered
    Suspends,    // the operator's hold (R19)
    Resumes,     // the operator's release (R19)
    AsksCancel,  // a cancel waits for the device's answer (R15)
    EndsCancel,  // the device (or the gateway) canceled: nothing waits any more
    Pauses,      // the campaign's pause (issue 16)
    Unpauses,    // the campaign's resume (issue 16)
};

struct Transition {
    JobState from;
    JobEvent event;
    JobState to;
    Hold hold = Hold::Keeps;
};
using S = JobState;
using E = JobEvent;

// The whole life of a job. Completed, Failed, Expired and Canceled are
// final; a failed attempt with retries left goes back to Waiting (R17).
// Waiting -> Requesting (communication request sent, R11) -> Transferring
// (the device answered) -> Installing -> Restarting -> Completed. Until the
// transfer starts the job can go back to Waiting with a later update time
// (busy, defer, no response: R13, R14); until the boot pointer flips it can
// be canceled (R15) or, until the image is written, suspended (R19).
//
// Timers (JobRow, stored with the row in gateway.db, so a restart keeps
// them): an Offered or Deferred row sets answer_due, which leaving
// Requesting clears; OfferAgain sets offer_pending, which Offered and
// leaving Requesting/Transferring clear; entering Installing/Restarting
// sets power_on_since, which leaving both clears.
//
// Exit actions (exit_actions(), run once by JobTable): a job that goes back
// to Waiting or ends, or whose device defers, leaves the fan-out plans; an
// attempt that failed, expired or was suspended drops the device's repairs;
// a suspend also stops the campaign's fan-outs nobody listens to any more.
// A campaign's pause or cancel takes the device out of the plans, drops its
// repairs and stops the campaign's fan-outs nobody listens to any more.
//
// Campaign control (issue 16): a pause holds every job not yet writing in
// Waiting (like a suspend, as a hold of its own); the resume releases it in
// Waiting. A cancel ends every job before the transfer CANCELED at once;
// during the transfer or the writing it asks the device, which alone knows
// whether its boot pointer flipped (R15); Restarting jobs are past the flip.
//
// Completion (R16) comes only from BootedExpected, a power_on that proves
// this attempt's install and the booted images (job_machine.hpp). Installing
// and Restarting are the usual states for it; in Transferring it is the
// device whose boot count moved past its ready's (the progress reports were
// lost); in Requesting and Waiting the answer of a device whose attempt was
// given up on (no power_on in time) after its install. BootUnproven (a
// premature or forged report) has no row anywhere: it never completes nor
// fails a job.
constexpr std::array kTable{
    Transition{S::Waiting, E::FetchStarted, S::Fetching, Hold::Free},
    Transition{S::Waiting, E::Offered, S::Requesting, Hold::Free},
    Transition{S::Waiting, E::Postponed, S::Waiting},
    Transition{S::Waiting, E::DeviceBack, S::Waiting},
    Transition{S::Waiting, E::Canceled, S::Canceled, Hold::EndsCancel},
    Transition{S::Waiting, E::DeviceError, S::Failed},
    Transition{S::Waiting, E::Rejected, S::Failed},
    Transition{S::Waiting, E::Expired, S::Expired},
    Transition{S::Fetching, E::FetchStarted, S::Fetching, Hold::Free},
    Transition{S::Fetching, E::Offered, S::Requesting, Hold::Free},
    Transition{S::Fetching, E::Postponed, S::Waiting},
    Transition{S::Fetching, E::Canceled, S::Canceled, Hold::EndsCancel},
    Transition{S::Fetching, E::DeviceError, S::Failed},
    Transition{S::Fetching, E::Rejected, S::Failed},
    Transition{S::Fetching, E::Expired, S::Expired},
    Transition{S::Requesting, E::Offered, S::Requesting, Hold::Free},
    Transition{S::Requesting, E::OfferAgain, S::Requesting},
    Transition{S::Requesting, E::Answered, S::Transferring},
    Transition{S::Requesting, E::Deferred, S::Requesting},
    Transition{S::Requesting, E::Postponed, S::Waiting},
    Transition{S::Requesting, E::NoResponse, S::Waiting},
    Transition{S::Requesting, E::Canceled, S::Canceled, Hold::EndsCancel},
    Transition{S::Requesting, E::Installing, S::Installing},
    Transition{S::Requesting, E::Restarting, S::Restarting},
    Transition{S::Requesting, E::BootedExpected, S::Completed},
    Transition{S::Requesting, E::BootedOther, S::Failed},
    Transition{S::Requesting, E::DeviceError, S::Failed},
    Transition{S::Requesting, E::Rejected, S::Failed},
    Transition{S::Requesting, E::Expired, S::Expired},
    Transition{S::Requesting, E::RetryScheduled, S::Waiting},
    Transition{S::Transferring, E::Offered, S::Transferring, Hold::Free},
    Transition{S::Transferring, E::OfferAgain, S::Transferring},
    Transition{S::Transferring, E::Answered, S::Transferring},
    Transition{S::Transferring, E::Installing, S::Installing},
    Transition{S::Transferring, E::Restarting, S::Restarting},
    Transition{S::Transferring, E::BootedExpected, S::Completed},
    Transition{S::Transferring, E::BootedOther, S::Failed},
    Transition{S::Transferring, E::DeviceError, S::Failed},
    Transition{S::Transferring, E::Rejected, S::Failed},
    Transition{S::Transferring, E::Expired, S::Expired},
    Transition{S::Transferring, E::RetryScheduled, S::Waiting},
    Transition{S::Transferring, E::CancelRequested, S::Transferring, Hold::AsksCancel},
    Transition{S::Transferring, E::Canceled, S::Canceled, Hold::EndsCancel},
    Transition{S::Installing, E::Restarting, S::Restarting},
    Transition{S::Installing, E::BootedExpected, S::Completed},
    Transition{S::Installing, E::BootedOther, S::Failed},
    Transition{S::Installing, E::DeviceError, S::Failed},
    Transition{S::Installing, E::Rejected, S::Failed},
    Transition{S::Installing, E::RetryScheduled, S::Waiting},
    Transition{S::Installing, E::NoPowerOn, S::Failed},
    Transition{S::Installing, E::CancelRequested, S::Installing, Hold::AsksCancel},
    Transition{S::Installing, E::Canceled, S::Canceled, Hold::EndsCancel},
    Transition{S::Restarting, E::BootedExpected, S::Completed},
    Transition{S::Restarting, E::BootedOther, S::Failed},
    Transition{S::Restarting, E::DeviceError, S::Failed},
    Transition{S::Restarting, E::Rejected, S::Failed},
    Transition{S::Restarting, E::RetryScheduled, S::Waiting},
    Transition{S::Restarting, E::NoPowerOn, S::Failed},
    // R19: an operator's suspend holds the job in Waiting until the resume;
    // once the image is being written it is too late. A suspended job stays
    // in Waiting until it is resumed or ends (canceled, expired, a late
    // power_on), so Waiting is where the resume applies.
    Transition{S::Waiting, E::Suspended, S::Waiting, Hold::Suspends},
    Transition{S::Fetching, E::Suspended, S::Waiting, Hold::Suspends},
    Transition{S::Requesting, E::Suspended, S::Waiting, Hold::Suspends},
    Transition{S::Transferring, E::Suspended, S::Waiting, Hold::Suspends},
    Transition{S::Waiting, E::Resumed, S::Waiting, Hold::Resumes},
    Transition{S::Waiting, E::CampaignPaused, S::Waiting, Hold::Pauses},
    Transition{S::Fetching, E::CampaignPaused, S::Waiting, Hold::Pauses},
    Transition{S::Requesting, E::CampaignPaused, S::Waiting, Hold::Pauses},
    Transition{S::Transferring, E::CampaignPaused, S::Waiting, Hold::Pauses},
    Transition{S::Waiting, E::CampaignResumed, S::Waiting, Hold::Unpauses},
    Transition{S::Waiting, E::CampaignCanceled, S::Canceled, Hold::EndsCancel},
    Transition{S::Fetching, E::CampaignCanceled, S::Canceled, Hold::EndsCancel},
    Transition{S::Requesting, E::CampaignCanceled, S::Canceled, Hold::EndsCancel},
    Transition{S::Transferring, E::CampaignCanceled, S::Transferring, Hold::AsksCancel},
    Transition{S::Installing, E::CampaignCanceled, S::Installing, Hold::AsksCancel},
    // A late power-on report of an attempt given up on after its install
    // still counts, when it proves that install.
    Transition{S::Waiting, E::BootedExpected, S::Completed},
};

const Transition* find_row(JobState from, JobEvent event) {
    for (const auto& t : kTable)
        if (t.from == from && t.event == event) return &t;
    return nullptr;
}
}  // namespace

std::string_view to_string(JobEvent e) {
    switch (e) {
        case E::FetchStarted: return "fetch_started";
        case E::Offered: return "offered";
        case E::OfferAgain: return "offer_again";
        case E::Answered: return "answered";
        case E::Deferred: return "deferred";
        case E::Postponed: return "postponed";
        case E::NoResponse: return "no_response";
        case E::DeviceBack: return "device_back";
        case E::CancelRequested: return "cancel_requested";
        case E::Canceled: return "canceled";
        case E::Installing: return "installing";
        case E::Restarting: return "restarting";
        case E::BootedExpected: return "booted_expected";
        case E::BootedOther: return "booted_other";
        case E::BootUnproven: return "boot_unproven";
        case E::DeviceError: return "device_error";
        case E::Rejected: return "rejected";
        case E::Expired: return "expired";
        case E::RetryScheduled: return "retry_scheduled";
        case E::NoPowerOn: return "no_power_on";
        case E::Suspended: return "suspended";
        case E::Resumed: return "resumed";
        case E::CampaignPaused: return "campaign_paused";
        case E::CampaignResumed: return "campaign_resumed";
        case E::CampaignCanceled: return "campaign_canceled";
    }
    return "unknown";
}

std::optional<JobPhase> next_phase(const JobPhase& from, JobEvent event) {
    const Transition* t = find_row(from.state, event);
    if (!t) return std::nullopt;
    JobPhase to = from;
    to.state = t->to;
    switch (t->hold) {
        case Hold::Keeps: break;
        case Hold::Free:
            if (from.suspended || from.paused) return std::nullopt;
            break;
        case Hold::Suspends:
            if (from.suspended) return std::nullopt;
            to.suspended = true;
            break;
        case Hold::Resumes:
            if (!from.suspended) return std::nullopt;
            to.suspended = false;
            break;
        case Hold::AsksCancel:
            if (from.cancel_pending) return std::nullopt;
            to.cancel_pending = true;
            break;
        case Hold::EndsCancel: to.cancel_pending = false; break;
        case Hold::Pauses:
            if (from.paused) return std::nullopt;
            to.paused = true;
            break;
        case Hold::Unpauses:
            if (!from.paused) return std::nullopt;
            to.paused = false;
            break;
    }
    return to;
}

std::optional<JobState> next_state(JobState from, JobEvent event) {
    const Transition* t = find_row(from, event);
    if (!t) return std::nullopt;
    return t->to;
}

bool ends_attempt(JobEvent e) {
    return e == E::RetryScheduled || e == E::DeviceError || e == E::BootedOther || e == E::NoPowerOn;
}

bool awaits_answer(JobState s) { return s == S::Requesting; }
bool may_be_reoffered(JobState s) { return s == S::Requesting || s == S::Transferring; }
bool awaits_power_on(JobState s) { return s == S::Installing || s == S::Restarting; }

ExitActions exit_actions(JobState to, JobEvent event) {
    ExitActions x;
    const bool campaign_stops = event == E::CampaignPaused || event == E::CampaignCanceled;
    x.withdraw = to == S::Waiting || is_terminal(to) || event == E::Deferred || campaign_stops;
    x.drop_repairs = ends_attempt(event) || event == E::Expired || event == E::Suspended || campaign_stops;
    x.stop_unattended = event == E::Suspended || campaign_stops;
    return x;
}

}  // namespace fleetcast::gateway
