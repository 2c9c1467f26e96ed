// What the manager's --metrics-listen endpoint serves about its campaigns and
// jobs (manager/manager_metrics.cpp), rendered from a manager driven by reports.
#include "manager/manager_metrics.hpp"
#include "common/metrics_text.hpp"
#include "tests/manager/manager_fixture.hpp"

namespace fleetcast::manager::testing {
namespace {

class ManagerMetricsTest : public ManagerTest {
   protected:
    void SetUp() override {
        ManagerTest::SetUp();
        add_firmware("A123", "main", "2.0");
        device_seen("gw1", "A123-000001", "A123", {{"main", "1.0"}});
        device_seen("gw1", "A123-000002", "A123", {{"main", "1.0"}});
        campaign = create_campaign(R"({"all":true,"campaign":"c-metrics"})");
        metrics = std::make_unique<ManagerMetrics>(*mgr, clock);
    }
    std::string scrape() { return metrics_exposition(metrics->families()); }
    static bool has(const std::string& text, const std::string& line) {
        return text.find("\n" + line + "\n") != std::string::npos;
    }
    std::string campaign;
    std::unique_ptr<ManagerMetrics> metrics;
};

TEST_F(ManagerMetricsTest, JobsOfACampaignAreCountedByStateWhileItRunsAndStayInTheTotalsOnceItEnded) {
    auto text = scrape();
    EXPECT_TRUE(has(text, R"(fleetcast_manager_campaign_jobs{campaign="c-metrics",state="waiting"} 2)")) << text;
    EXPECT_TRUE(has(text, R"(fleetcast_manager_campaigns{status="running"} 1)")) << text;
    EXPECT_TRUE(has(text, R"(fleetcast_manager_devices{status="idle"} 2)")) << text;

    job("gw1", campaign, "A123-000001", JobState::Transferring, 40);
    text = scrape();
    EXPECT_TRUE(has(text, R"(fleetcast_manager_campaign_jobs{campaign="c-metrics",state="transferring"} 1)")) << text;
    EXPECT_TRUE(has(text, R"(fleetcast_manager_jobs{state="transferring"} 1)")) << text;

    job("gw1", campaign, "A123-000001", JobState::Completed, 100, {{"main", "2.0"}});
    job("gw1", campaign, "A123-000002", JobState::Failed, 0, {}, "expired");
    // Twice: the second rendering comes from the counts kept for the ended campaign.
    for (int i = 0; i < 2; ++i) {
        text = scrape();
        EXPECT_EQ(text.find("fleetcast_manager_campaign_jobs{"), std::string::npos) << text;
        EXPECT_TRUE(has(text, R"(fleetcast_manager_jobs{state="completed"} 1)")) << text;
        EXPECT_TRUE(has(text, R"(fleetcast_manager_jobs{state="failed"} 1)")) << text;
        EXPECT_TRUE(has(text, R"(fleetcast_manager_jobs{state="waiting"} 0)")) << text;
        EXPECT_TRUE(has(text, R"(fleetcast_manager_campaigns{status="ended"} 1)")) << text;
        EXPECT_TRUE(has(text, R"(fleetcast_manager_campaigns{status="running"} 0)")) << text;
        EXPECT_TRUE(has(text, "fleetcast_manager_metrics_errors_total 0")) << text;
    }
}

TEST_F(ManagerMetricsTest, BadInputIsCountedByKind) {
    deliver(*topics::gw_report("gw1"), "{not json");
    deliver("fleetcast/v1/nonsense", "x");
    auto text = scrape();
    EXPECT_TRUE(has(text, R"(fleetcast_manager_events_total{event="bad_input"} 2)")) << text;
    EXPECT_TRUE(has(text, R"(fleetcast_manager_events_total{event="bad_report"} 1)")) << text;
    EXPECT_TRUE(has(text, R"(fleetcast_manager_events_total{event="bad_topic"} 1)")) << text;
}

}  // namespace
}  // namespace fleetcast::manager::testing
