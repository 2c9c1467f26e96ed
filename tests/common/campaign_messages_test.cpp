// Issue 16: the campaign command and its acknowledgement on the wire, and the
// typed args and answer of the campaign-level operator ops.
#include <gtest/gtest.h>

#include "common/operator_campaigns.hpp"
#include "common/operator_messages.hpp"

namespace fleetcast {
namespace {

TEST(CampaignMessages, CampaignCommandAndAckRoundTrip) {
    for (auto action : {CampaignAction::Pause, CampaignAction::Resume, CampaignAction::Cancel}) {
        auto c = decode_gateway_command(encode(GwCampaignCmd{"c-9", action, "r-7", "why"}));
        ASSERT_TRUE(c) << c.error().str();
        auto* cmd = std::get_if<GwCampaignCmd>(&*c);
        ASSERT_NE(cmd, nullptr);
        EXPECT_EQ(cmd->campaign, "c-9");
        EXPECT_EQ(cmd->action, action);
        EXPECT_EQ(cmd->request_id, "r-7");
        EXPECT_EQ(cmd->reason, "why");
        auto r = decode_gateway_report(encode(CampaignAckReport{"c-9", action, "r-7", 12}));
        ASSERT_TRUE(r) << r.error().str();
        auto* ack = std::get_if<CampaignAckReport>(&*r);
        ASSERT_NE(ack, nullptr);
        EXPECT_EQ(ack->action, action);
        EXPECT_EQ(ack->jobs, 12u);
    }
}

TEST(CampaignMessages, BadCampaignCommandsAreRefused) {
    EXPECT_FALSE(decode_gateway_command(R"({"type":"campaign","campaign":"c-9","action":"stop","request_id":"r"})"));
    EXPECT_FALSE(decode_gateway_command(R"({"type":"campaign","campaign":"c-#","action":"pause","request_id":"r"})"));
    EXPECT_FALSE(decode_gateway_command(R"({"type":"campaign","campaign":"c-9","action":"pause"})"));
    EXPECT_FALSE(decode_gateway_command(R"({"type":"campaign","campaign":"c-9","action":1,"request_id":"r"})"));
    EXPECT_FALSE(decode_gateway_report(R"({"type":"campaign_ack","campaign":"c-9","action":"pause","request_id":"r"})"))
        << "no job count";
}

TEST(CampaignMessages, CampaignOpsHaveOneNameAndTypedArgs) {
    for (auto name : {"campaign_pause", "campaign_resume", "campaign_cancel"}) {
        auto op = operator_op_from_string(name);
        ASSERT_TRUE(op) << name;
        EXPECT_EQ(to_string(*op), name);
    }
    auto j = json_object(CampaignControlArgs{"c-9", "bad build"});
    EXPECT_EQ(j.dump(), R"({"campaign":"c-9","reason":"bad build"})");
    auto back = campaign_control_args_from_json(j.get());
    ASSERT_TRUE(back);
    EXPECT_EQ(back->reason, "bad build");
    auto long_reason = Json::object();
    json::put(long_reason.get(), "campaign", "c-9");
    json::put(long_reason.get(), "reason", std::string(kMaxCampaignReason + 1, 'x'));
    EXPECT_FALSE(campaign_control_args_from_json(long_reason.get()));
    CampaignListArgs list;
    list.campaign = "c-9";
    auto l = campaign_list_args_from_json(json_object(list).get());
    ASSERT_TRUE(l);
    EXPECT_EQ(l->campaign, "c-9");
}

TEST(CampaignMessages, CampaignViewNamesWhoMustStillConfirm) {
    CampaignControlView v;
    v.campaign = "c-9";
    v.state = "paused";
    v.reason = "field reports";
    v.action = CampaignAction::Pause;
    v.request_id = "r-7";
    v.gateways = {{"gw1", true, true}, {"gw2", true, false}, {"gw3", false, false}};
    auto j = Json::object();
    to_json(j.get(), v);
    auto back = campaign_control_view_from_json(j.get());
    ASSERT_TRUE(back) << back.error().str();
    EXPECT_EQ(back->unconfirmed_online(), (std::vector<std::string>{"gw2"}));
    EXPECT_EQ(back->unconfirmed_offline(), (std::vector<std::string>{"gw3"}));
    EXPECT_EQ(back->reason, "field reports");
    EXPECT_EQ(back->action, CampaignAction::Pause);
}

}  // namespace
}  // namespace fleetcast
