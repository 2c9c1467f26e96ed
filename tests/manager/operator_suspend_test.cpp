// The operator's suspend/resume ops (R19) and the paged/aggregated views a
// large campaign needs (targets pages, results by gateway for `campaign watch`).
#include "tests/manager/manager_fixture.hpp"

namespace fleetcast::manager::testing {
namespace {

class OperatorSuspendTest : public ManagerTest {
   protected:
    const std::string d1 = "A123-000001";
    void SetUp() override {
        ManagerTest::SetUp();
        add_firmware("A123", "main", "2.0");
        device_seen("gw1", d1, "A123", {{"main", "1.0"}});
        device_seen("gw1", "A123-000002", "A123", {{"main", "1.0"}});
        device_seen("gw2", "A123-000003", "A123", {{"main", "1.0"}});
        deliver(*topics::gw_state("gw1"), encode(ProcessState{"gateway", "gw1", true, clock.now(), {}}));
        create_campaign(R"({"all":true,"campaign":"c-1"})");
    }
    void held_report(JobState state, bool suspended) {
        JobReport r;
        r.campaign = "c-1";
        r.device = d1;
        r.state = state;
        r.progress = 40;
        r.detail = suspended ? "suspended by operator" : "resumed by operator";
        r.suspended = suspended;
        deliver(*topics::gw_report("gw1"), encode(r));
    }
    std::vector<GatewayCommand> gateway_commands(const std::string& gw) {
        std::vector<GatewayCommand> out;
        for (const auto& p : transport.on_topic(*topics::gw_cmd(gw)))
            if (auto c = decode_gateway_command(p.payload)) out.push_back(*c);
        return out;
    }
    bool suspended_in(const cJSON* obj) { return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "suspended")); }
};

TEST_F(OperatorSuspendTest, SuspendSendsTheGatewayCommandAndTheViewsShowTheHold) {
    job("gw1", "c-1", d1, JobState::Transferring, 40);
    auto r = request("suspend", R"({"device":"A123-000001"})");
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(field(r.data.get(), "gateway"), "gw1");
    auto cmds = gateway_commands("gw1");
    ASSERT_EQ(cmds.size(), 1u);
    auto* cmd = std::get_if<GwSuspendCmd>(&cmds[0]);
    ASSERT_NE(cmd, nullptr);
    EXPECT_TRUE(cmd->suspend);
    EXPECT_EQ(cmd->campaign, "c-1");
    EXPECT_EQ(cmd->device, d1);
    EXPECT_EQ(cmd->request_id, r.req_id);

    held_report(JobState::Waiting, true);
    auto results = request("results", R"({"campaign":"c-1"})");
    ASSERT_TRUE(results.ok) << results.error;
    EXPECT_TRUE(suspended_in(rows(results)[d1]));
    EXPECT_FALSE(suspended_in(rows(results)["A123-000002"]));
    auto status = request("device_status", R"({"device":"A123-000001"})");
    ASSERT_TRUE(status.ok) << status.error;
    EXPECT_EQ(field(status.data.get(), "phase"), "suspended");
    EXPECT_TRUE(suspended_in(status.data.get()));
    auto table = request("gateway_table", R"({"gateway":"gw1"})");
    ASSERT_TRUE(table.ok) << table.error;
    const cJSON* row = nullptr;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(table.data.get(), "rows"))
            EXPECT_EQ(suspended_in(row), field(row, "device") == d1)
        << field(row, "device");

    // The dashboard sends the same op (its old alias device_resume is gone); resume is then accepted.
    auto alias = request("device_resume", R"({"device":"A123-000001"})");
    EXPECT_FALSE(alias.ok);
    EXPECT_NE(alias.error.find("unknown op"), std::string::npos) << alias.error;
    auto resume = request("resume", R"({"device":"A123-000001"})");
    ASSERT_TRUE(resume.ok) << resume.error;
    cmds = gateway_commands("gw1");
    ASSERT_EQ(cmds.size(), 2u);
    ASSERT_TRUE(std::holds_alternative<GwSuspendCmd>(cmds[1]));
    EXPECT_FALSE(std::get<GwSuspendCmd>(cmds[1]).suspend);
    held_report(JobState::Waiting, false);
    status = request("device_status", R"({"device":"A123-000001"})");
    EXPECT_EQ(field(status.data.get(), "phase"), "waiting");
}

TEST_F(OperatorSuspendTest, SuspendAndResumeAreRefusedWithTheReason) {
    auto not_held = request("resume", R"({"device":"A123-000001"})");
    EXPECT_FALSE(not_held.ok);
    EXPECT_NE(not_held.error.find("is not suspended"), std::string::npos) << not_held.error;

    job("gw1", "c-1", d1, JobState::Installing, 100);
    auto writing = request("suspend", R"({"device":"A123-000001"})");
    EXPECT_FALSE(writing.ok);
    EXPECT_NE(writing.error.find("can no longer be suspended"), std::string::npos) << writing.error;

    auto unknown = request("suspend", R"({"device":"Z999-000001"})");
    EXPECT_FALSE(unknown.ok);
    EXPECT_NE(unknown.error.find("unknown device Z999-000001"), std::string::npos) << unknown.error;
    auto wildcard = request("suspend", R"({"device":"A123-+"})");
    EXPECT_FALSE(wildcard.ok);
    auto wrong_type = request("suspend", R"({"device":42})");
    EXPECT_FALSE(wrong_type.ok);
    job("gw1", "c-1", "A123-000002", JobState::Completed, 100, {{"main", "2.0"}});
    auto ended = request("suspend", R"({"device":"A123-000002"})");
    EXPECT_FALSE(ended.ok);
    EXPECT_NE(ended.error.find("no update waiting or running"), std::string::npos) << ended.error;
    EXPECT_TRUE(gateway_commands("gw1").empty()) << "a refused op reached the gateway";
}

TEST_F(OperatorSuspendTest, TargetsViewIsPaged) {
    auto first = request("targets", R"({"campaign":"c-1","limit":2})");
    ASSERT_TRUE(first.ok) << first.error;
    EXPECT_EQ(json::get_uint(first.data.get(), "total", 100).value(), 3u);
    EXPECT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(first.data.get(), "devices")), 2);
    auto rest = request("targets", R"({"campaign":"c-1","offset":2})");
    ASSERT_TRUE(rest.ok) << rest.error;
    const cJSON* devices = cJSON_GetObjectItemCaseSensitive(rest.data.get(), "devices");
    ASSERT_EQ(cJSON_GetArraySize(devices), 1);
    EXPECT_EQ(field(cJSON_GetArrayItem(devices, 0), "device"), "A123-000003");
    EXPECT_EQ(json::get_uint(rest.data.get(), "offset", 100).value(), 2u);
    auto too_big = request("targets", R"({"campaign":"c-1","limit":100000})");
    EXPECT_FALSE(too_big.ok);
}

TEST_F(OperatorSuspendTest, ResultsByGatewayAggregateEveryTargetWithoutRows) {
    job("gw1", "c-1", d1, JobState::Completed, 100, {{"main", "2.0"}});
    job("gw1", "c-1", "A123-000002", JobState::Transferring, 40);
    auto r = request("results", R"({"campaign":"c-1","limit":0,"by_gateway":true})");
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.data.get(), "devices")), 0);
    const cJSON* gws = cJSON_GetObjectItemCaseSensitive(r.data.get(), "gateways");
    ASSERT_EQ(cJSON_GetArraySize(gws), 2);
    const cJSON* gw1 = cJSON_GetArrayItem(gws, 0);
    EXPECT_EQ(field(gw1, "gateway"), "gw1");
    EXPECT_EQ(json::get_uint(gw1, "total", 100).value(), 2u);
    EXPECT_EQ(json::get_uint(gw1, "ended", 100).value(), 1u);
    EXPECT_EQ(json::get_uint(gw1, "progress", 100).value(), 70u);  // (100 + 40) / 2
    const cJSON* gw2 = cJSON_GetArrayItem(gws, 1);
    EXPECT_EQ(field(gw2, "gateway"), "gw2");
    EXPECT_EQ(json::get_uint(gw2, "ended", 100).value(), 0u);
    auto plain = request("results", R"({"campaign":"c-1","limit":0})");
    EXPECT_EQ(cJSON_GetObjectItemCaseSensitive(plain.data.get(), "gateways"), nullptr);
}

}  // namespace
}  // namespace fleetcast::manager::testing
