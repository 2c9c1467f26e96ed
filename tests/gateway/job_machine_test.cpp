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
    for (auto s : {JobState::Completed, JobState::Failed})
        for (auto e : {JobEvent::FetchStarted, JobEvent::Offered, JobEvent::Installing, JobEvent::Restarting,
                       JobEvent::BootedExpected, JobEvent::BootedOther, JobEvent::DeviceError, JobEvent::Expired})
            EXPECT_FALSE(next_state(s, e)) << to_string(s) << " + " << to_string(e);
}

TEST(JobMachine, InstallingIsNotExpired) {
    EXPECT_FALSE(next_state(JobState::Installing, JobEvent::Expired));
    EXPECT_EQ(next_state(JobState::Transferring, JobEvent::Expired), JobState::Failed);
}

}  // namespace
}  // namespace fleetcast::gateway
