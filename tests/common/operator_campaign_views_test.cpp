#include "common/operator_campaign_views.hpp"

#include <gtest/gtest.h>

namespace fleetcast {
namespace {

TimePoint at(const char* iso) {
    auto t = parse_time(iso);
    EXPECT_TRUE(t) << iso;
    return t ? *t : TimePoint{};
}

CampaignHeader header() {
    CampaignHeader h;
    h.campaign = "c-20261201-100000-0001";
    h.state = "active";
    h.mode = TransferMode::Push;
    h.created_at = at("2026-12-01T10:00:00.000Z");
    h.update_at = at("2026-12-01T11:00:00.000Z");
    h.transmit_at = at("2026-12-01T10:30:00.000Z");
    h.expected_end = at("2026-12-01T11:05:00.000Z");
    return h;
}

CampaignControlView paused_control() {
    CampaignControlView v;
    v.campaign = "c-20261201-100000-0001";
    v.state = "paused";
    v.reason = "by operator";
    v.action = CampaignAction::Pause;
    v.request_id = "r-1";
    v.at = at("2026-12-01T10:40:00.000Z");
    v.gateways = {{"gw1", true, true}, {"gw2", false, false}};
    return v;
}

JobView job(JobState s, std::uint32_t progress) {
    JobView j;
    j.state = s;
    j.progress = progress;
    j.old_versions = {{"main", "1.0"}};
    j.new_versions = {{"main", "2.0"}};
    return j;
}

TEST(OperatorCampaignViews, ResultsRoundTripWithControlAndGatewayProgress) {
    ResultsAnswer a;
    a.header = header();
    a.devices.push_back({"A123-000001", "gw1", "A123", {"fw-1"}, job(JobState::Transferring, 40), a.header.update_at});
    a.summary = empty_summary();
    count(a.summary, JobState::Transferring);
    count(a.summary, JobState::Completed);
    a.pending = 1;
    a.offset = 0;
    a.control = paused_control();
    a.gateways = std::vector<GatewayProgress>{{"gw1", 2, 1, 70}};
    auto j = json_object(a);
    // The wire keeps the flat status and reason beside the control.
    EXPECT_NE(j.dump().find(R"("status":"paused","reason":"by operator")"), std::string::npos) << j.dump();
    auto back = results_answer_from_json(j.get());
    ASSERT_TRUE(back) << back.error().str();
    EXPECT_EQ(back->header.mode, TransferMode::Push);
    EXPECT_EQ(back->header.transmit_at, a.header.transmit_at);
    EXPECT_FALSE(back->header.expires_at);
    ASSERT_EQ(back->devices.size(), 1u);
    EXPECT_EQ(back->devices[0].job.progress, 40u);
    EXPECT_EQ(back->total(), 2u);
    EXPECT_EQ(back->pending, 1u);
    EXPECT_EQ(back->control.unconfirmed_offline(), std::vector<std::string>{"gw2"});
    ASSERT_TRUE(back->gateways);
    EXPECT_EQ((*back->gateways)[0].progress, 70u);
}

TEST(OperatorCampaignViews, JoinedResultsPagesHaveNoOffsetAndNoGatewayProgress) {
    ResultsAnswer a;
    a.header = header();
    a.summary = empty_summary();
    a.control = paused_control();
    auto back = results_answer_from_json(json_object(a).get());
    ASSERT_TRUE(back) << back.error().str();
    EXPECT_FALSE(back->offset);
    EXPECT_FALSE(back->gateways);
}

TEST(OperatorCampaignViews, ResultsWhoseCountsDisagreeAreABadAnswer) {
    ResultsAnswer a;
    a.header = header();
    a.summary = empty_summary();
    count(a.summary, JobState::Waiting);
    a.control = paused_control();
    auto j = json_object(a);
    cJSON_ReplaceItemInObjectCaseSensitive(j.get(), "total", cJSON_CreateNumber(5));
    EXPECT_FALSE(results_answer_from_json(j.get()));
    auto k = json_object(a);
    cJSON_ReplaceItemInObjectCaseSensitive(k.get(), "status", cJSON_CreateString("running"));
    auto bad = results_answer_from_json(k.get());
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("control.state"), std::string::npos) << bad.error().str();
}

TEST(OperatorCampaignViews, CampaignListKeepsTargetsPerGatewayAndTheFailureThreshold) {
    CampaignListEntry e;
    e.header = header();
    FailureThreshold t;
    ASSERT_TRUE(parse_max_failures("5%", t));
    e.header.failure_threshold = t;
    e.summary = empty_summary();
    count(e.summary, JobState::Failed, 3);
    e.gateways = {{"gw1", 2}, {"gw2", 1}};
    e.control = paused_control();
    auto back = campaign_list_answer_from_json(json_object(CampaignListAnswer{{e}}).get());
    ASSERT_TRUE(back) << back.error().str();
    ASSERT_EQ(back->campaigns.size(), 1u);
    const auto& b = back->campaigns[0];
    EXPECT_EQ(b.gateways.at("gw1"), 2u);
    EXPECT_EQ(b.summary.counts.at("ERROR"), 3u);
    ASSERT_TRUE(b.header.failure_threshold);
    EXPECT_EQ(*b.header.failure_threshold, t);
    EXPECT_EQ(b.control.reason, "by operator");
}

// Issue 17 item 7: bytes per manager->gateway link and what the encodings saved.
TEST(OperatorCampaignViews, LinkBytesRoundTripInResultsAndCampaignListAndAreOptional) {
    const std::vector<LinkBytes> links{{"gw1", 12000, 88000}, {"gw2", 0, 0}};
    ResultsAnswer r;
    r.header = header();
    r.summary = empty_summary();
    r.control = paused_control();
    r.links = links;
    auto rj = json_object(r);
    EXPECT_NE(rj.dump().find(R"("links":[{"gateway":"gw1","bytes":12000,"saved":88000})"), std::string::npos)
        << rj.dump();
    auto rb = results_answer_from_json(rj.get());
    ASSERT_TRUE(rb) << rb.error().str();
    ASSERT_TRUE(rb->links);
    EXPECT_EQ(*rb->links, links);

    CampaignListEntry e;
    e.header = header();
    e.summary = empty_summary();
    e.control = paused_control();
    e.links = links;
    auto lb = campaign_list_answer_from_json(json_object(CampaignListAnswer{{e}}).get());
    ASSERT_TRUE(lb) << lb.error().str();
    ASSERT_TRUE(lb->campaigns.at(0).links);
    EXPECT_EQ(*lb->campaigns.at(0).links, links);

    // An older manager's answer has no links: decoded without them.
    r.links.reset();
    auto old = results_answer_from_json(json_object(r).get());
    ASSERT_TRUE(old) << old.error().str();
    EXPECT_FALSE(old->links);
}

TEST(OperatorCampaignViews, LinkBytesOfTheWrongTypeAreABadAnswer) {
    ResultsAnswer r;
    r.header = header();
    r.summary = empty_summary();
    r.control = paused_control();
    r.links = std::vector<LinkBytes>{{"gw1", 1, 2}};
    for (const std::string bad : {R"("bytes":1)", R"("saved":2)", R"("gateway":"gw1")"}) {
        auto text = json_object(r).dump();
        const auto pos = text.find(bad);
        ASSERT_NE(pos, std::string::npos) << bad;
        auto broken = text;
        broken.replace(pos, bad.size(), bad.substr(0, bad.find(':') + 1) + "-1");
        auto j = Json::parse(broken);
        ASSERT_TRUE(j) << broken;
        EXPECT_FALSE(results_answer_from_json(j->get())) << broken;
    }
    auto text = json_object(r).dump();
    const auto start = text.find(R"("links":[)");
    ASSERT_NE(start, std::string::npos);
    text.replace(start, text.find(']', start) + 1 - start, R"("links":"gw1")");
    auto j = Json::parse(text);
    ASSERT_TRUE(j) << text;
    EXPECT_FALSE(results_answer_from_json(j->get())) << "links that are not an array";
}

TEST(OperatorCampaignViews, AWildcardGatewayInACampaignListIsABadAnswer) {
    CampaignListEntry e;
    e.header = header();
    e.summary = empty_summary();
    e.gateways = {{"gw/+", 1}};
    e.control = paused_control();
    auto bad = campaign_list_answer_from_json(json_object(CampaignListAnswer{{e}}).get());
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("campaigns[0]"), std::string::npos) << bad.error().str();
}

TEST(OperatorCampaignViews, DeviceDetailCarriesTheDefermentAndEveryCampaign) {
    DeviceDetailAnswer a;
    a.device = {"A123-000001",
                "gw1",
                "A123",
                "idle",
                {{"main", "2.0"}},
                at("2026-12-01T12:00:00.000Z"),
                DefermentParam{Millis(600000), at("2026-12-01T09:00:00.000Z")}};
    a.history.push_back({"c-2", "active", TransferMode::Pull, at("2026-12-01T11:00:00.000Z"), std::nullopt,
                         at("2026-12-02T11:00:00.000Z"), job(JobState::Completed, 100)});
    a.history.push_back({"c-1", "ended", TransferMode::Push, at("2026-11-30T11:00:00.000Z"),
                         at("2026-11-30T10:00:00.000Z"), std::nullopt, job(JobState::Canceled, 10)});
    auto back = device_detail_answer_from_json(json_object(a).get());
    ASSERT_TRUE(back) << back.error().str();
    ASSERT_TRUE(back->device.deferment);
    EXPECT_EQ(back->device.deferment->value, Millis(600000));
    ASSERT_EQ(back->history.size(), 2u);
    EXPECT_EQ(back->history[0].expires_at, a.history[0].expires_at);
    EXPECT_EQ(back->history[1].mode, TransferMode::Push);
    EXPECT_EQ(back->history[1].job.state, JobState::Canceled);
}

TEST(OperatorCampaignViews, GatewayTableRowsKeepEachDevicesOwnUpdateTime) {
    GatewayTableAnswer a{"gw1", "online", at("2026-12-01T12:00:00.000Z"), {}};
    a.rows.push_back({"A123-000001", "A123", "c-1", at("2026-12-01T11:20:00.000Z"), std::nullopt, std::nullopt,
                      job(JobState::Requesting, 0)});
    auto j = json_object(a);
    auto back = gateway_table_answer_from_json(j.get());
    ASSERT_TRUE(back) << back.error().str();
    ASSERT_EQ(back->rows.size(), 1u);
    EXPECT_EQ(back->rows[0].update_at, a.rows[0].update_at);
    EXPECT_EQ(back->rows[0].job.state, JobState::Requesting);
    cJSON* row = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j.get(), "rows"), 0);
    cJSON_ReplaceItemInObjectCaseSensitive(row, "progress", cJSON_CreateString("40%"));
    auto bad = gateway_table_answer_from_json(j.get());
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("rows[0]"), std::string::npos) << bad.error().str();
}

}  // namespace
}  // namespace fleetcast
