#include "common/job_rules.hpp"

#include <gtest/gtest.h>

#include <set>

namespace fleetcast {
namespace {

using S = JobState;
using namespace job_rules;

std::set<S> where(bool (*rule)(JobState)) {
    std::set<S> out;
    for (S s : kAllStates)
        if (rule(s)) out.insert(s);
    return out;
}

TEST(JobRules, FinalStatesAreCompletedFailedExpiredCanceled) {
    EXPECT_EQ(where(is_terminal), (std::set<S>{S::Completed, S::Failed, S::Expired, S::Canceled}));
}

TEST(JobRules, DeferOnlyUntilTheTransferStarts) {
    EXPECT_EQ(where(can_defer), (std::set<S>{S::Waiting, S::Fetching, S::Requesting}));
}

TEST(JobRules, CancelUntilTheBootPointerFlips) {
    EXPECT_EQ(where(can_cancel), (std::set<S>{S::Waiting, S::Fetching, S::Requesting, S::Transferring, S::Installing}));
    EXPECT_EQ(where(cancel_needs_device), (std::set<S>{S::Transferring, S::Installing}));
}

TEST(JobRules, SuspendUntilTheImageIsBeingWritten) {
    EXPECT_EQ(where(can_suspend), (std::set<S>{S::Waiting, S::Fetching, S::Requesting, S::Transferring}));
}

TEST(JobRules, EveryFinalStateHasItsOwnResultAndTheRestAreWaiting) {
    for (S s : kAllStates) {
        if (is_terminal(s)) EXPECT_NE(result_label(s), kResultWaiting) << to_string(s);
        else EXPECT_EQ(result_label(s), kResultWaiting) << to_string(s);
        EXPECT_EQ(necessity(s), is_terminal(s) ? "NO" : "YES");
        EXPECT_NE(phase_of(s), "unknown");
    }
    EXPECT_EQ(result_label(S::Expired), kResultExpired);
    EXPECT_EQ(result_label(S::Canceled), kResultCanceled);
    EXPECT_EQ(phase_of(S::Transferring), "downloading");
}

}  // namespace
}  // namespace fleetcast
