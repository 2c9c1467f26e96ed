#include "common/job_rules.hpp"

namespace fleetcast::job_rules {

using S = JobState;

bool is_terminal(JobState s) { return s == S::Completed || s == S::Failed || s == S::Expired || s == S::Canceled; }

bool can_defer(JobState s) { return s == S::Waiting || s == S::Fetching || s == S::Requesting; }

bool can_cancel(JobState s) { return !is_terminal(s) && s != S::Restarting; }

bool cancel_needs_device(JobState s) { return s == S::Transferring || s == S::Installing; }

bool can_suspend(JobState s) { return can_defer(s) || s == S::Transferring; }

std::string_view result_label(JobState s) {
    switch (s) {
        case S::Completed: return kResultCompleted;
        case S::Failed: return kResultError;
        case S::Expired: return kResultExpired;
        case S::Canceled: return kResultCanceled;
        default: return kResultWaiting;
    }
}

std::string_view phase_of(JobState s) {
    switch (s) {
        case S::Waiting: return "waiting";
        case S::Fetching: return "waiting";    // the gateway is still caching the image
        case S::Requesting: return "waiting";  // asked to communicate, no answer yet (R11)
        case S::Transferring: return "downloading";
        case S::Installing: return "updating";
        case S::Restarting: return "updating";
        case S::Completed: return "completed";
        case S::Failed: return "error";
        case S::Expired: return "expired";
        case S::Canceled: return "canceled";
    }
    return "unknown";
}

std::string_view necessity(JobState s) { return is_terminal(s) ? "NO" : "YES"; }

}  // namespace fleetcast::job_rules
