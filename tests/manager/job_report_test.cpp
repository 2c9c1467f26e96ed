#include "tests/manager/manager_fixture.hpp"

namespace fleetcast::manager::testing {
namespace {

class JobReportTest : public ManagerTest {
   protected:
    void SetUp() override {
        ManagerTest::SetUp();
        add_firmware("A123", "main", "2.0");
        device_seen("gw1", "A123-000001", "A123", {{"main", "1.0"}});
        device_seen("gw1", "A123-000002", "A123", {{"main", "1.0"}});
        device_seen("gw2", "A123-000003", "A123", {{"main", "1.0"}});
        campaign = create_campaign(R"({"all":true,"campaign":"c-jobs"})");
        transport.clear();
    }
    OperatorResponse results() { return request("results", R"({"campaign":"c-jobs"})"); }
    std::size_t clears(const std::string& gw) {
        std::size_t n = 0;
        for (const auto& p : transport.on_topic(*topics::gw_schedule(gw, campaign)))
            if (p.retained && p.payload.empty()) ++n;
        return n;
    }
    std::string campaign;
};

TEST_F(JobReportTest, JobReportsUpdateResults) {
    clock.advance(std::chrono::seconds(5));
    job("gw1", campaign, "A123-000001", JobState::Transferring, 40);
    auto r = results();
    ASSERT_TRUE(r.ok) << r.error;
    auto row = rows(r).at("A123-000001");
    EXPECT_EQ(field(row, "state"), "transferring");
    EXPECT_EQ(field(row, "result"), "WAITING FOR RE-UPDATING");
    EXPECT_EQ(json::get_uint(row, "progress", 100).value(), 40u);
    EXPECT_EQ(field(row, "started_at"), format_time(clock.now()));

    clock.advance(std::chrono::seconds(5));
    job("gw1", campaign, "A123-000001", JobState::Completed, 100, {{"main", "2.0"}});
    job("gw1", campaign, "A123-000002", JobState::Failed, 60, {}, "image SHA-256 mismatch");
    job("gw1", campaign, "A123-000001", JobState::Transferring, 80);  // late duplicate: ignored

    r = results();
    auto rs = rows(r);
    EXPECT_EQ(field(rs.at("A123-000001"), "result"), "UPDATING COMPLETED");
    EXPECT_EQ(field(rs.at("A123-000001"), "state"), "completed");
    EXPECT_EQ(field(rs.at("A123-000001"), "ended_at"), format_time(clock.now()));
    EXPECT_EQ(json::get_versions(rs.at("A123-000001"), "old").value(), (Versions{{"main", "1.0"}}));
    EXPECT_EQ(json::get_versions(rs.at("A123-000001"), "new").value(), (Versions{{"main", "2.0"}}));
    EXPECT_EQ(field(rs.at("A123-000002"), "result"), "ERROR");
    EXPECT_EQ(field(rs.at("A123-000002"), "detail"), "image SHA-256 mismatch");
    EXPECT_EQ(field(rs.at("A123-000003"), "result"), "WAITING FOR RE-UPDATING");
    EXPECT_EQ(field(rs.at("A123-000003"), "started_at"), "<missing>");

    const cJSON* summary = cJSON_GetObjectItemCaseSensitive(r.data.get(), "summary");
    EXPECT_EQ(json::get_uint(summary, "UPDATING COMPLETED", 100).value(), 1u);
    EXPECT_EQ(json::get_uint(summary, "WAITING FOR RE-UPDATING", 100).value(), 1u);
    EXPECT_EQ(json::get_uint(summary, "ERROR", 100).value(), 1u);
    EXPECT_EQ(json::get_uint(summary, "total", 100).value(), 3u);

    // The registry follows the versions the device reported at power-on.
    auto devices = request("device_list");
    const cJSON* d = nullptr;
    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(devices.data.get(), "devices")) {
        if (field(d, "device") == "A123-000001") {
            EXPECT_EQ(json::get_versions(d, "firmware").value(), (Versions{{"main", "2.0"}}));
        }
    }
    EXPECT_EQ(counter("bad_input"), 0u);
}

TEST_F(JobReportTest, ScheduleIsClearedWhenAllTargetsEnded) {
    job("gw2", campaign, "A123-000003", JobState::Completed, 100, {{"main", "2.0"}});
    EXPECT_EQ(clears("gw2"), 1u);
    EXPECT_EQ(clears("gw1"), 0u);

    job("gw1", campaign, "A123-000001", JobState::Completed, 100, {{"main", "2.0"}});
    EXPECT_EQ(clears("gw1"), 0u);
    EXPECT_EQ(field(results().data.get(), "state"), "active");

    job("gw1", campaign, "A123-000002", JobState::Failed, 0, {}, "expired");
    EXPECT_EQ(clears("gw1"), 1u);
    EXPECT_EQ(field(results().data.get(), "state"), "ended");

    // A duplicate terminal report changes nothing and clears nothing again.
    job("gw1", campaign, "A123-000002", JobState::Failed, 0, {}, "expired");
    EXPECT_EQ(clears("gw1"), 1u);
}

TEST_F(JobReportTest, JobFromTheWrongGatewayOrForAnUnknownTargetIsRejected) {
    job("gw2", campaign, "A123-000001", JobState::Completed, 100, {{"main", "2.0"}});
    job("gw1", "c-unknown", "A123-000001", JobState::Completed, 100);
    job("gw1", campaign, "A123-000404", JobState::Completed, 100);
    EXPECT_EQ(counter("bad_input"), 3u);
    EXPECT_EQ(field(rows(results()).at("A123-000001"), "state"), "waiting");
    EXPECT_EQ(clears("gw2"), 0u);
}

}  // namespace
}  // namespace fleetcast::manager::testing
