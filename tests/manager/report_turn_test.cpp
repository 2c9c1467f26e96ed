// Issue 20: a loop turn's gateway reports are stored in one transaction and
// what they cause (a schedule cleared when a gateway's last job ends) is sent
// after it; a bad report among them is counted and costs the others nothing.
#include "tests/manager/manager_fixture.hpp"

namespace fleetcast::manager::testing {
namespace {

const std::string d1 = "A123-000001", d2 = "A123-000002";

class ReportTurnTest : public ManagerTest {
   protected:
    void SetUp() override {
        ManagerTest::SetUp();
        add_firmware("A123", "main", "2.0");
        device_seen("gw1", d1, "A123", {{"main", "1.0"}});
        device_seen("gw1", d2, "A123", {{"main", "1.0"}});
        campaign = create_campaign(R"({"all":true,"campaign":"c-turn"})");
        transport.clear();
    }
    MqttEvent report(const std::string& dev, JobState state, Versions fw = {}) {
        JobReport r;
        r.campaign = campaign;
        r.device = dev;
        r.state = state;
        r.firmware = std::move(fw);
        return MqttEvent{MqttEvent::Kind::Message, 0, *topics::gw_report("gw1"), encode(r), false};
    }
    std::string state_of(const std::string& dev) {
        auto r = request("results", R"({"campaign":"c-turn"})");
        EXPECT_TRUE(r.ok) << r.error;
        return field(rows(r).at(dev), "state");
    }
    std::string campaign;
};

TEST_F(ReportTurnTest, ATurnOfReportsIsStoredAndItsScheduleClearLeavesOnce) {
    const Versions v2{{"main", "2.0"}};
    std::vector<MqttEvent> turn{report(d1, JobState::Requesting), report(d2, JobState::Requesting),
                                report(d1, JobState::Transferring), report(d1, JobState::Completed, v2),
                                report(d2, JobState::Completed, v2)};
    const auto reports_before = counter("reports");
    mgr->handle_turn(turn);
    EXPECT_EQ(state_of(d1), "completed");
    EXPECT_EQ(state_of(d2), "completed");
    // Both jobs ended: the gateway's retained schedule is cleared (an empty retained message), once.
    auto clears = transport.on_topic(*topics::gw_schedule("gw1", campaign));
    ASSERT_EQ(clears.size(), 1u);
    EXPECT_TRUE(clears[0].payload.empty());
    EXPECT_TRUE(clears[0].retained);
    EXPECT_EQ(counter("reports") - reports_before, turn.size());
    EXPECT_EQ(counter("internal_error"), 0u);
}

TEST_F(ReportTurnTest, ABadReportInATurnIsCountedAndTheOthersAreStored) {
    std::vector<MqttEvent> turn{report(d1, JobState::Requesting),
                                MqttEvent{MqttEvent::Kind::Message, 0, *topics::gw_report("gw1"), "{not json", false},
                                report("A123-000099", JobState::Requesting),  // no such target
                                report(d2, JobState::Transferring)};
    mgr->handle_turn(turn);
    EXPECT_EQ(counter("bad_input"), 2u);
    EXPECT_EQ(counter("internal_error"), 0u);
    EXPECT_EQ(state_of(d1), "requesting");
    EXPECT_EQ(state_of(d2), "transferring");
}

}  // namespace
}  // namespace fleetcast::manager::testing
