// The failure threshold's pure decision (manager/failure_evaluation.hpp).
#include "manager/failure_evaluation.hpp"

#include <gtest/gtest.h>

#include "common/operator_campaigns.hpp"

namespace fleetcast::manager {
namespace {

FailureThreshold count_of(std::uint64_t n) {
    FailureThreshold t;
    t.max_count = n;
    return t;
}

FailureThreshold share_of(double p, std::uint64_t min_ended) {
    FailureThreshold t;
    t.max_percent = p;
    t.min_ended = min_ended;
    return t;
}

TEST(FailureEvaluation, CountIsCrossedOnlyByMoreFailuresThanTheMaximum) {
    EXPECT_FALSE(crosses(count_of(1), {3, 1}));
    EXPECT_TRUE(crosses(count_of(1), {3, 2}));
    EXPECT_TRUE(crosses(count_of(0), {1, 1})) << "max 0: the first failure stops the campaign";
    EXPECT_FALSE(crosses(count_of(0), {5, 0}));
}

TEST(FailureEvaluation, ShareAppliesOnlyOnceMinEndedTargetsEnded) {
    const auto t = share_of(10, 10);
    EXPECT_FALSE(crosses(t, {9, 9})) << "9 ended: below min_ended";
    EXPECT_TRUE(crosses(t, {10, 2}));
    EXPECT_FALSE(crosses(t, {10, 1})) << "10 % is not more than 10 %";
    EXPECT_FALSE(crosses(share_of(5, 0), {0, 0}));
    EXPECT_TRUE(crosses(share_of(5, 0), {1, 1}));
    EXPECT_FALSE(crosses(share_of(100, 0), {4, 4})) << "100 %: never more than all";
}

TEST(FailureEvaluation, OnlyTheThresholdsFailureResultsCount) {
    FailureThreshold t = count_of(1);
    const std::map<JobState, std::uint64_t> by_state{{JobState::Completed, 4},
                                                     {JobState::Failed, 1},
                                                     {JobState::Expired, 2},
                                                     {JobState::Canceled, 3},
                                                     {JobState::Transferring, 7}};
    auto c = failure_counts(t, by_state);
    EXPECT_EQ(c.ended, 10u) << "open jobs are not ended";
    EXPECT_EQ(c.failed, 1u) << "ERROR only by default";
    t.failure_states = {JobState::Failed, JobState::Expired};
    EXPECT_EQ(failure_counts(t, by_state).failed, 3u);
}

TEST(FailureEvaluation, FailuresCountedAtTheResumeDoNotCountAgain) {
    const auto t = count_of(1);
    const FailureCounts at_resume{3, 2};
    EXPECT_FALSE(crosses(t, since({3, 2}, at_resume))) << "the same failures";
    EXPECT_FALSE(crosses(t, since({5, 3}, at_resume))) << "one new failure: not more than 1";
    EXPECT_TRUE(crosses(t, since({6, 4}, at_resume)));
    const auto none = since({1, 1}, at_resume);
    EXPECT_EQ(none.ended, 0u);
    EXPECT_EQ(none.failed, 0u);
}

TEST(FailureEvaluation, ReasonNamesCountsLimitKindsAndDevices) {
    const std::vector<FailedTarget> failed{{"A123-000001", "boot_failed"}, {"A123-000002", "boot_failed"}};
    EXPECT_EQ(threshold_reason(count_of(1), {3, 2}, failed, false),
              "failure threshold 2 of 3 ended failed (max 1): boot_failed x2: A123-000001, A123-000002");
    EXPECT_EQ(threshold_reason(share_of(5, 10), {10, 1}, {{"B-1", "EXPIRED"}}, true),
              "failure threshold 1 of 10 ended failed since the resume (max 5% once 10 ended): EXPIRED x1: B-1");
}

TEST(FailureEvaluation, ReasonOfManyFailuresNamesTenDevicesAndStaysShort) {
    std::vector<FailedTarget> failed;
    for (int i = 0; i < 500; ++i)
        failed.push_back({"A123-" + std::to_string(100000 + i), i % 3 ? "checksum" : "no_space"});
    const auto text = threshold_reason(count_of(3), {600, 500}, failed, false);
    EXPECT_NE(text.find("checksum x333, no_space x167"), std::string::npos) << text;
    EXPECT_NE(text.find("A123-100009, ... (500 in all)"), std::string::npos) << text;
    EXPECT_EQ(text.find("A123-100010"), std::string::npos) << text;
    EXPECT_LE(text.size(), kMaxCampaignReason);
}

}  // namespace
}  // namespace fleetcast::manager
