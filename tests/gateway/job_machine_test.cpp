#include "gateway/job_machine.hpp"

#include <gtest/gtest.h>

namespace fleetcast::gateway {
namespace {

TEST(JobMachine, HappyPathEndsCompleted) {
    auto s = JobState::Waiting;
    for (auto e : {JobEvent::FetchStarted, JobEvent::Offered, JobEvent::Installing, JobEvent::Restarting,
                   JobEvent::BootedExpected}) {
        auto next = next_state(s, e);
        ASSERT_TRUE(next) << to_string(s) << " + " << to_string(e);
        s = *next;
    }
    EXPECT_EQ(s, JobState::Completed);
}

TEST(JobMachine, EndedJobsAcceptNoEvent) {
    for (auto s : {JobState::Completed, JobState::Failed, JobState::Expired})
        for (auto e : {JobEvent::FetchStarted, JobEvent::Offered, JobEvent::Installing, JobEvent::Restarting,
                       JobEvent::BootedExpected, JobEvent::BootedOther, JobEvent::DeviceError, JobEvent::Expired,
                       JobEvent::RetryScheduled, JobEvent::NoPowerOn})
            EXPECT_FALSE(next_state(s, e)) << to_string(s) << " + " << to_string(e);
}

TEST(JobMachine, InstallingIsNotExpired) {
    EXPECT_FALSE(next_state(JobState::Installing, JobEvent::Expired));
    EXPECT_EQ(next_state(JobState::Transferring, JobEvent::Expired), JobState::Expired);
    EXPECT_EQ(next_state(JobState::Waiting, JobEvent::Expired), JobState::Expired);
}

TEST(JobMachine, FailedAttemptGoesBackToWaitingForARetry) {
    for (auto s : {JobState::Transferring, JobState::Installing, JobState::Restarting})
        EXPECT_EQ(next_state(s, JobEvent::RetryScheduled), JobState::Waiting) << to_string(s);
    EXPECT_EQ(next_state(JobState::Restarting, JobEvent::NoPowerOn), JobState::Failed);
    EXPECT_FALSE(next_state(JobState::Transferring, JobEvent::NoPowerOn));
    // A power-on report that arrives after the gateway gave up on it still completes the job.
    EXPECT_EQ(next_state(JobState::Waiting, JobEvent::BootedExpected), JobState::Completed);
}

TEST(JobMachine, AnUnprovenPowerOnNeverChangesAJob) {
    for (auto s :
         {JobState::Waiting, JobState::Fetching, JobState::Requesting, JobState::Transferring, JobState::Installing,
          JobState::Restarting, JobState::Completed, JobState::Failed, JobState::Expired, JobState::Canceled})
        EXPECT_FALSE(next_state(s, JobEvent::BootUnproven)) << to_string(s);
}

}  // namespace
}  // namespace fleetcast::gateway

namespace fleetcast::gateway {
namespace {

TEST(JobMachine, CommunicationRequestIsAnsweredBeforeTransfer) {
    EXPECT_EQ(next_state(JobState::Waiting, JobEvent::Offered), JobState::Requesting);
    EXPECT_EQ(next_state(JobState::Requesting, JobEvent::Answered), JobState::Transferring);
    EXPECT_EQ(next_state(JobState::Requesting, JobEvent::NoResponse), JobState::Waiting);
    EXPECT_FALSE(next_state(JobState::Waiting, JobEvent::Answered));
    EXPECT_FALSE(next_state(JobState::Transferring, JobEvent::NoResponse));
}

TEST(JobMachine, OnlyJobsNotYetTransferringArePostponed) {
    for (auto s : {JobState::Waiting, JobState::Fetching, JobState::Requesting})
        EXPECT_EQ(next_state(s, JobEvent::Postponed), JobState::Waiting) << to_string(s);
    for (auto s :
         {JobState::Transferring, JobState::Installing, JobState::Restarting, JobState::Completed, JobState::Canceled})
        EXPECT_FALSE(next_state(s, JobEvent::Postponed)) << to_string(s);
}

TEST(JobMachine, SuspendHoldsAJobInWaitingUntilTheImageIsWritten) {
    for (auto s : {JobState::Waiting, JobState::Fetching, JobState::Requesting, JobState::Transferring})
        EXPECT_EQ(next_state(s, JobEvent::Suspended), JobState::Waiting) << to_string(s);
    for (auto s : {JobState::Installing, JobState::Restarting, JobState::Completed, JobState::Failed, JobState::Expired,
                   JobState::Canceled})
        EXPECT_FALSE(next_state(s, JobEvent::Suspended)) << to_string(s);
}

TEST(JobMachine, CancelIsPossibleUntilTheBootPointerFlips) {
    for (auto s :
         {JobState::Waiting, JobState::Fetching, JobState::Requesting, JobState::Transferring, JobState::Installing})
        EXPECT_EQ(next_state(s, JobEvent::Canceled), JobState::Canceled) << to_string(s);
    EXPECT_FALSE(next_state(JobState::Restarting, JobEvent::Canceled));
    EXPECT_TRUE(is_terminal(JobState::Canceled));
    for (auto e : {JobEvent::Offered, JobEvent::Answered, JobEvent::Postponed, JobEvent::BootedExpected})
        EXPECT_FALSE(next_state(JobState::Canceled, e)) << to_string(e);
}

}  // namespace
}  // namespace fleetcast::gateway

namespace fleetcast::gateway {
namespace {

TEST(JobMachine, SuspendAndResumeAreHoldsOfTheTable) {
    JobPhase transferring{JobState::Transferring};
    auto held = next_phase(transferring, JobEvent::Suspended);
    ASSERT_TRUE(held);
    EXPECT_EQ(held->state, JobState::Waiting);
    EXPECT_TRUE(held->suspended);
    EXPECT_FALSE(next_phase(*held, JobEvent::Suspended)) << "a second suspend changes nothing";
    EXPECT_FALSE(next_phase(*held, JobEvent::Offered)) << "a held job is never offered";
    EXPECT_FALSE(next_phase(*held, JobEvent::FetchStarted));
    auto resumed = next_phase(*held, JobEvent::Resumed);
    ASSERT_TRUE(resumed);
    EXPECT_EQ(resumed->state, JobState::Waiting);
    EXPECT_FALSE(resumed->suspended);
    EXPECT_FALSE(next_phase(*resumed, JobEvent::Resumed)) << "nothing to resume";
    EXPECT_TRUE(next_phase(*resumed, JobEvent::Offered));
}

TEST(JobMachine, ACancelDuringTheTransferWaitsForTheDevice) {
    for (auto s : {JobState::Transferring, JobState::Installing}) {
        auto asked = next_phase({s}, JobEvent::CancelRequested);
        ASSERT_TRUE(asked) << to_string(s);
        EXPECT_EQ(asked->state, s);
        EXPECT_TRUE(asked->cancel_pending);
        EXPECT_FALSE(next_phase(*asked, JobEvent::CancelRequested)) << "asked once";
        auto canceled = next_phase(*asked, JobEvent::Canceled);
        ASSERT_TRUE(canceled);
        EXPECT_EQ(canceled->state, JobState::Canceled);
        EXPECT_FALSE(canceled->cancel_pending);
    }
    for (auto s : {JobState::Waiting, JobState::Requesting, JobState::Restarting, JobState::Completed})
        EXPECT_FALSE(next_phase({s}, JobEvent::CancelRequested)) << to_string(s);
}

TEST(JobMachine, ExitActionsFollowTheChange) {
    EXPECT_TRUE(exit_actions(JobState::Waiting, JobEvent::Postponed).withdraw);
    EXPECT_TRUE(exit_actions(JobState::Completed, JobEvent::BootedExpected).withdraw);
    EXPECT_TRUE(exit_actions(JobState::Requesting, JobEvent::Deferred).withdraw);
    EXPECT_FALSE(exit_actions(JobState::Transferring, JobEvent::Answered).withdraw);
    EXPECT_FALSE(exit_actions(JobState::Installing, JobEvent::Installing).withdraw);
    EXPECT_TRUE(exit_actions(JobState::Waiting, JobEvent::RetryScheduled).drop_repairs);
    EXPECT_TRUE(exit_actions(JobState::Expired, JobEvent::Expired).drop_repairs);
    EXPECT_FALSE(exit_actions(JobState::Canceled, JobEvent::Canceled).drop_repairs);
    EXPECT_FALSE(exit_actions(JobState::Failed, JobEvent::Rejected).drop_repairs);
    EXPECT_TRUE(exit_actions(JobState::Waiting, JobEvent::Suspended).stop_unattended);
    EXPECT_TRUE(ends_attempt(JobEvent::NoPowerOn));
    EXPECT_FALSE(ends_attempt(JobEvent::Rejected));
}

}  // namespace
}  // namespace fleetcast::gateway

namespace fleetcast::gateway {
namespace {

// The table and the rules the operator side uses (common/job_rules) say the
// same thing for every state: one decides what the gateway does, the other
// what the manager, the CLI and the dashboard allow.
TEST(JobMachine, TableAgreesWithTheCommonJobRulesInEveryState) {
    for (auto s : job_rules::kAllStates) {
        SCOPED_TRACE(std::string(to_string(s)));
        EXPECT_EQ(next_state(s, JobEvent::Postponed).has_value(), job_rules::can_defer(s));
        EXPECT_EQ(next_state(s, JobEvent::Suspended).has_value(), job_rules::can_suspend(s));
        const bool cancels_here = next_state(s, JobEvent::Canceled).has_value();
        const bool asks_device = next_state(s, JobEvent::CancelRequested).has_value();
        EXPECT_EQ(cancels_here || asks_device, job_rules::can_cancel(s));
        EXPECT_EQ(asks_device, job_rules::cancel_needs_device(s));
    }
}

}  // namespace
}  // namespace fleetcast::gateway

namespace fleetcast::gateway {
namespace {

// Issue 16: the campaign-level holds are rows of the same table.
TEST(JobMachine, ACampaignPauseHoldsJobsNotYetWritingBesideASuspend) {
    for (auto s : {JobState::Waiting, JobState::Fetching, JobState::Requesting, JobState::Transferring}) {
        auto paused = next_phase({s}, JobEvent::CampaignPaused);
        ASSERT_TRUE(paused) << to_string(s);
        EXPECT_EQ(paused->state, JobState::Waiting);
        EXPECT_TRUE(paused->paused);
        EXPECT_FALSE(paused->suspended);
        EXPECT_FALSE(next_phase(*paused, JobEvent::CampaignPaused)) << "a second pause changes nothing";
        EXPECT_FALSE(next_phase(*paused, JobEvent::Offered)) << "a paused job is never offered";
        EXPECT_FALSE(next_phase(*paused, JobEvent::FetchStarted)) << "nor fetched for";
    }
    for (auto s : {JobState::Installing, JobState::Restarting, JobState::Completed, JobState::Canceled})
        EXPECT_FALSE(next_phase({s}, JobEvent::CampaignPaused)) << to_string(s);
    JobPhase both{JobState::Waiting, true, false, true};  // suspended and paused
    auto resumed = next_phase(both, JobEvent::CampaignResumed);
    ASSERT_TRUE(resumed);
    EXPECT_FALSE(resumed->paused);
    EXPECT_TRUE(resumed->suspended) << "the campaign's resume keeps the device's suspend";
    EXPECT_FALSE(next_phase(*resumed, JobEvent::Offered));
    EXPECT_FALSE(next_phase({JobState::Waiting}, JobEvent::CampaignResumed)) << "nothing to resume";
}

TEST(JobMachine, ACampaignCancelEndsJobsBeforeTheTransferAndAsksTheDeviceDuringIt) {
    for (auto s : {JobState::Waiting, JobState::Fetching, JobState::Requesting}) {
        auto canceled = next_phase({s}, JobEvent::CampaignCanceled);
        ASSERT_TRUE(canceled) << to_string(s);
        EXPECT_EQ(canceled->state, JobState::Canceled);
    }
    auto paused = next_phase({JobState::Waiting, false, false, true}, JobEvent::CampaignCanceled);
    ASSERT_TRUE(paused);
    EXPECT_EQ(paused->state, JobState::Canceled) << "a paused job is canceled too";
    for (auto s : {JobState::Transferring, JobState::Installing}) {
        auto asked = next_phase({s}, JobEvent::CampaignCanceled);
        ASSERT_TRUE(asked) << to_string(s);
        EXPECT_EQ(asked->state, s);
        EXPECT_TRUE(asked->cancel_pending);
        EXPECT_EQ(next_phase(*asked, JobEvent::Canceled)->state, JobState::Canceled) << "the device's answer";
    }
    for (auto s : {JobState::Restarting, JobState::Completed, JobState::Failed, JobState::Expired})
        EXPECT_FALSE(next_phase({s}, JobEvent::CampaignCanceled)) << to_string(s) << ": past the flip or ended";
}

TEST(JobMachine, ACampaignPauseOrCancelWithdrawsTheDeviceAndStopsUnattendedFanouts) {
    for (auto [to, e] : {std::pair{JobState::Waiting, JobEvent::CampaignPaused},
                         std::pair{JobState::Transferring, JobEvent::CampaignCanceled},
                         std::pair{JobState::Canceled, JobEvent::CampaignCanceled}}) {
        auto x = exit_actions(to, e);
        EXPECT_TRUE(x.withdraw) << to_string(e);
        EXPECT_TRUE(x.drop_repairs) << to_string(e);
        EXPECT_TRUE(x.stop_unattended) << to_string(e);
    }
    EXPECT_FALSE(exit_actions(JobState::Waiting, JobEvent::CampaignResumed).stop_unattended);
}

}  // namespace
}  // namespace fleetcast::gateway
