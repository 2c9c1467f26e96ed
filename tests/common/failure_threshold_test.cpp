// The failure threshold's args (common/failure_threshold.hpp) and their place
// in campaign_create's args and answer.
#include "common/failure_threshold.hpp"

#include <gtest/gtest.h>

#include "common/operator_campaign_create.hpp"

namespace fleetcast {
namespace {

TEST(FailureThresholdArgs, CountAndShareAreParsedAndBadValuesRefused) {
    FailureThreshold t;
    ASSERT_TRUE(parse_max_failures("3", t));
    EXPECT_EQ(t.max_count, 3u);
    ASSERT_TRUE(parse_max_failures("5%", t));
    EXPECT_EQ(t.max_percent, 5.0);
    EXPECT_FALSE(t.max_count) << "the share replaces the count";
    ASSERT_TRUE(parse_max_failures("100%", t));
    ASSERT_TRUE(parse_max_failures("0.5%", t));
    for (const char* bad : {"0%", "101%", "-1", "-5%", "abc", "", "%", "3x", "nan%", "1e3%", "5 %"}) {
        auto st = parse_max_failures(bad, t);
        ASSERT_FALSE(st) << bad;
        EXPECT_EQ(st.error().code, "bad_args") << bad;
    }
}

TEST(FailureThresholdArgs, ResultNamesAndActionAreKnownOrRefused) {
    auto states = failure_results_from_list("error,EXPIRED");
    ASSERT_TRUE(states) << states.error().str();
    EXPECT_EQ(*states, (std::set<JobState>{JobState::Failed, JobState::Expired}));
    EXPECT_FALSE(failure_results_from_list("error,boot_failed"));
    EXPECT_FALSE(failure_results_from_list("error,"));
    EXPECT_FALSE(failure_results_from_list(""));
    EXPECT_TRUE(failure_action_from_string("cancel"));
    EXPECT_FALSE(failure_action_from_string("stop"));
}

TEST(FailureThresholdArgs, CampaignCreateArgsAndAnswerCarryTheThreshold) {
    CampaignCreateArgs a;
    a.all = true;
    FailureThreshold t;
    t.max_percent = 12.5;
    t.min_ended = 10;
    t.failure_states = {JobState::Failed, JobState::Expired};
    t.on_failure = FailureAction::Cancel;
    a.failure_threshold = t;
    auto j = Json::object();
    to_json(j.get(), a);
    auto back = campaign_create_args_from_json(j.get());
    ASSERT_TRUE(back) << back.error().str();
    ASSERT_TRUE(back->failure_threshold);
    EXPECT_EQ(*back->failure_threshold, t);

    CampaignCreated c;
    c.campaign = "c-1";
    c.failure_threshold = t;
    auto answer = Json::object();
    to_json(answer.get(), c);
    auto decoded = campaign_created_from_json(answer.get());
    ASSERT_TRUE(decoded) << decoded.error().str();
    ASSERT_TRUE(decoded->failure_threshold);
    EXPECT_EQ(*decoded->failure_threshold, t);
    c.failure_threshold.reset();
    auto without = Json::object();
    to_json(without.get(), c);
    auto plain = campaign_created_from_json(without.get());
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain->failure_threshold);
}

TEST(FailureThresholdArgs, ManagerRefusesBadThresholdArgs) {
    for (const char* bad : {R"({"all":true,"failure_threshold":{}})",
                            R"({"all":true,"failure_threshold":{"max_failures":1,"max_failures_percent":5}})",
                            R"({"all":true,"failure_threshold":{"max_failures_percent":0}})",
                            R"({"all":true,"failure_threshold":{"max_failures_percent":100.5}})",
                            R"({"all":true,"failure_threshold":{"max_failures":-1}})",
                            R"({"all":true,"failure_threshold":{"max_failures":"3"}})",
                            R"({"all":true,"failure_threshold":{"max_failures":1,"failure_results":["OK"]}})",
                            R"({"all":true,"failure_threshold":{"max_failures":1,"failure_results":[]}})",
                            R"({"all":true,"failure_threshold":{"max_failures":1,"on_failure":"stop"}})",
                            R"({"all":true,"failure_threshold":5})"}) {
        auto j = Json::parse(bad);
        ASSERT_TRUE(j) << bad;
        auto a = campaign_create_args_from_json(j->get());
        EXPECT_FALSE(a) << bad;
    }
}

}  // namespace
}  // namespace fleetcast
