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
    for (auto s : {JobState::Transferring, JobState::Installing, JobState::Restarting, JobState::Completed,
                   JobState::Canceled})
        EXPECT_FALSE(next_state(s, JobEvent::Postponed)) << to_string(s);
}

TEST(JobMachine, SuspendHoldsAJobInWaitingUntilTheImageIsWritten) {
    for (auto s : {JobState::Waiting, JobState::Fetching, JobState::Requesting, JobState::Transferring})
        EXPECT_EQ(next_state(s, JobEvent::Suspended), JobState::Waiting) << to_string(s);
    for (auto s : {JobState::Installing, JobState::Restarting, JobState::Completed, JobState::Failed,
                   JobState::Expired, JobState::Canceled})
        EXPECT_FALSE(next_state(s, JobEvent::Suspended)) << to_string(s);
}

TEST(JobMachine, CancelIsPossibleUntilTheBootPointerFlips) {
    for (auto s : {JobState::Waiting, JobState::Fetching, JobState::Requesting, JobState::Transferring,
                   JobState::Installing})
        EXPECT_EQ(next_state(s, JobEvent::Canceled), JobState::Canceled) << to_string(s);
    EXPECT_FALSE(next_state(JobState::Restarting, JobEvent::Canceled));
    EXPECT_TRUE(is_terminal(JobState::Canceled));
    for (auto e : {JobEvent::Offered, JobEvent::Answered, JobEvent::Postponed, JobEvent::BootedExpected})
        EXPECT_FALSE(next_state(JobState::Canceled, e)) << to_string(e);
}

}  // namespace
}  // namespace fleetcast::gateway
