#include "common/operator_messages.hpp"

#include <gtest/gtest.h>

#include "tests/support/json_text.hpp"

namespace fleetcast {
namespace {

using testing::parse_json;

TEST(OperatorMessages, EveryOpHasOneNameAndAliasesAreUnknown) {
    for (auto name :
         {"firmware_add", "results", "defer", "cancel", "suspend", "resume", "set_param", "gateway_table"}) {
        auto op = operator_op_from_string(name);
        ASSERT_TRUE(op) << name;
        EXPECT_EQ(to_string(*op), name);
    }
    for (auto alias : {"device_defer", "device_cancel", "device_suspend", "device_resume"}) {
        auto op = operator_op_from_string(alias);
        ASSERT_FALSE(op) << alias;
        EXPECT_EQ(op.error().code, "bad_args");
        EXPECT_NE(op.error().message.find("gateway_table"), std::string::npos) << op.error().message;
    }
}

TEST(OperatorMessages, DeferArgsRoundTripInMillisecondsOnly) {
    auto j = json_object(DeferArgs{"A123-000001", Millis(1200000)});
    EXPECT_EQ(j.dump(), R"({"device":"A123-000001","by_ms":1200000})");
    auto back = defer_args_from_json(j.get());
    ASSERT_TRUE(back);
    EXPECT_EQ(back->by, Millis(1200000));
    // `by` (seconds) is no longer read: the defer takes the gateway's period.
    auto seconds = defer_args_from_json(parse_json(R"({"device":"A123-000001","by":1200})").get());
    ASSERT_TRUE(seconds);
    EXPECT_FALSE(seconds->by);
    auto zero = defer_args_from_json(parse_json(R"({"device":"A123-000001","by_ms":0})").get());
    ASSERT_FALSE(zero);
    EXPECT_EQ(zero.error().code, "bad_args");
}

TEST(OperatorMessages, ArgsAreValidated) {
    EXPECT_FALSE(device_args_from_json(parse_json(R"({"device":"A123-+"})").get()));
    EXPECT_FALSE(set_param_args_from_json(parse_json(R"({"device":"A123-000001","name":"speed","value_ms":1})").get()));
    auto page = results_args_from_json(parse_json(R"({"campaign":"c1","limit":5001})").get());
    EXPECT_FALSE(page);
    auto results =
        results_args_from_json(parse_json(R"({"campaign":"c1","offset":10,"limit":0,"by_gateway":true})").get());
    ASSERT_TRUE(results);
    EXPECT_EQ(results->page.offset, 10u);
    EXPECT_EQ(results->page.limit, 0u);
    EXPECT_TRUE(results->by_gateway);
    auto again = results_args_from_json(json_object(*results).get());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->page.offset, 10u);
    EXPECT_EQ(again->page.limit, 0u);
    EXPECT_FALSE(again->device);
    auto one = results_args_from_json(parse_json(R"({"campaign":"c1","device":"A123-000007"})").get());
    ASSERT_TRUE(one);
    EXPECT_EQ(one->device.value_or(""), "A123-000007");
    EXPECT_EQ(results_args_from_json(json_object(*one).get())->device.value_or(""), "A123-000007");
    EXPECT_FALSE(results_args_from_json(parse_json(R"({"campaign":"c1","device":"A123+"})").get()));
    auto list = campaign_list_args_from_json(parse_json("{}").get());
    ASSERT_TRUE(list);
    EXPECT_EQ(list->limit, kDefaultCampaignListLimit);
}

TEST(OperatorMessages, ResultsRowRoundTripsWithItsDerivedFields) {
    ResultsRow row{"A123-000001", "gw1", "A123", {"0123456789abcdef"}, JobView{}, TimePoint{}};
    row.job.state = JobState::Expired;
    row.job.progress = 40;
    row.job.old_versions = {{"main", "1.0"}};
    row.job.new_versions = {{"main", "2.0"}};
    row.job.detail = "expired: the campaign's expiration time passed";
    row.job.started_at = TimePoint{} + Millis(1000);
    auto j = Json::object();
    to_json(j.get(), row);
    EXPECT_EQ(json::get_optional_string(j.get(), "result"), "EXPIRED");
    EXPECT_EQ(json::get_optional_string(j.get(), "necessity"), "NO");
    EXPECT_EQ(json::get_optional_string(j.get(), "error"), "expired");
    auto back = results_row_from_json(j.get());
    ASSERT_TRUE(back) << back.error().str();
    EXPECT_EQ(back->job.state, JobState::Expired);
    EXPECT_EQ(back->job.progress, 40u);
    EXPECT_EQ(back->job.new_versions, row.job.new_versions);
    EXPECT_EQ(back->job.started_at, row.job.started_at);
    EXPECT_FALSE(back->job.ended_at);
}

TEST(OperatorMessages, SummaryCountsEveryLabel) {
    auto s = empty_summary();
    count(s, JobState::Canceled);
    count(s, JobState::Transferring, 2);
    auto j = Json::object();
    to_json(j.get(), s);
    auto back = result_summary_from_json(j.get());
    ASSERT_TRUE(back) << back.error().str();
    EXPECT_EQ(back->counts.at("CANCELED"), 1u);
    EXPECT_EQ(back->counts.at("WAITING FOR RE-UPDATING"), 2u);
    EXPECT_EQ(back->counts.at("EXPIRED"), 0u);
    EXPECT_EQ(back->total, 3u);
}

TEST(OperatorMessages, ControlAnswerRoundTrips) {
    auto j = Json::object();
    to_json(j.get(), ControlAnswer{"A123-000001", "c1", "gw1", JobState::Requesting, "r-1-2"});
    auto back = control_answer_from_json(j.get());
    ASSERT_TRUE(back) << back.error().str();
    EXPECT_EQ(back->campaign, "c1");
    EXPECT_EQ(back->state, JobState::Requesting);
    EXPECT_EQ(back->request_id, "r-1-2");
}

}  // namespace
}  // namespace fleetcast
