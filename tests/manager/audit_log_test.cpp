// The manager's audit log (issue 19 item 3): every operator request that
// changes something is recorded with the identity from its topic, its args
// and its outcome, in the transaction of the change; views are not; the table
// refuses UPDATE and DELETE.
#include "common/operator_audit.hpp"
#include "common/operator_campaign_create.hpp"
#include "tests/manager/manager_fixture.hpp"

namespace fleetcast::manager::testing {
namespace {

class AuditLogTest : public ManagerTest {
   protected:
    AuditAnswer audit(const std::string& args = "{}") {
        auto r = request_as("auditor", "cli-audit", "audit", args);
        EXPECT_TRUE(r.ok) << r.error;
        auto a = audit_answer_from_json(r.data.get());
        EXPECT_TRUE(a) << a.error().str();
        return a ? *a : AuditAnswer{};
    }
};

TEST_F(AuditLogTest, ChangingRequestsAreRecordedWithTheIdentityArgsAndOutcomeAndViewsAreNot) {
    add_firmware("A123", "main", "2.0");  // identity op1
    device_seen("gw1", "A123-000001", "A123", {{"main", "1.0"}});
    ASSERT_TRUE(request_as("alice", "cli-1", "campaign_create", R"({"all":true,"campaign":"c-1"})").ok);
    ASSERT_TRUE(request_as("alice", "cli-1", "firmware_list").ok);  // a view: not recorded
    ASSERT_TRUE(request_as("bob", "dash-0a1b2c3d4e", "campaign_pause", R"({"campaign":"c-1","reason":"jams"})").ok);
    auto refused = request_as("bob", "dash-0a1b2c3d4e", "gateway_set_window",
                              R"({"gateway":"nowhere","window":"Mon-Fri 22:00-05:00","tz":"UTC"})");
    ASSERT_FALSE(refused.ok);
    ASSERT_FALSE(request_as("alice", "cli-2", "campaign_create", R"({"all":"yes"})").ok);  // bad args

    auto a = audit();
    ASSERT_EQ(a.entries.size(), 5u);
    EXPECT_FALSE(a.more);
    const auto& e = a.entries;
    EXPECT_EQ(e[0].identity, "op1");
    EXPECT_EQ(e[0].op, "firmware_add");
    EXPECT_TRUE(e[0].ok);
    EXPECT_NE(e[0].outcome.find("A123 main 2.0"), std::string::npos) << e[0].outcome;
    EXPECT_EQ(e[1].identity, "alice");
    EXPECT_EQ(e[1].client, "cli-1");
    EXPECT_EQ(e[1].op, "campaign_create");
    EXPECT_EQ(e[1].args, R"({"all":true,"campaign":"c-1"})");
    EXPECT_EQ(e[1].outcome, "campaign c-1 (1 targets)");
    EXPECT_EQ(e[2].identity, "bob");
    EXPECT_EQ(e[2].client, "dash-0a1b2c3d4e");
    EXPECT_EQ(e[2].op, "campaign_pause");
    EXPECT_TRUE(e[2].ok);
    EXPECT_EQ(e[3].op, "gateway_set_window");
    EXPECT_FALSE(e[3].ok);
    EXPECT_EQ(e[3].code, "not_found");
    EXPECT_FALSE(e[4].ok);
    EXPECT_FALSE(e[4].code.empty());
    for (std::size_t i = 0; i < e.size(); ++i) {
        EXPECT_EQ(e[i].seq, i + 1);
        EXPECT_EQ(e[i].at, clock.now());
    }
    // Paged by seq, and from a time on.
    auto page = audit(R"({"after":2,"limit":2})");
    ASSERT_EQ(page.entries.size(), 2u);
    EXPECT_EQ(page.entries[0].seq, 3u);
    EXPECT_TRUE(page.more);
    clock.advance(std::chrono::minutes(5));
    ASSERT_TRUE(request_as("bob", "cli-9", "campaign_resume", R"({"campaign":"c-1"})").ok);
    auto later = audit(R"({"since":")" + format_time(clock.now()) + R"("})");
    ASSERT_EQ(later.entries.size(), 1u);
    EXPECT_EQ(later.entries[0].op, "campaign_resume");
}

TEST_F(AuditLogTest, TheLogSurvivesARestartAndRefusesUpdatesAndDeletes) {
    ASSERT_FALSE(request_as("alice", "cli-1", "firmware_delete", R"({"fw":"0123456789abcdef"})").ok);
    open_manager();  // the same manager.db again
    ASSERT_EQ(audit().entries.size(), 1u);
    mgr.reset();
    auto db = Database::open(dir / "state" / "manager.db");
    ASSERT_TRUE(db) << db.error().str();
    EXPECT_FALSE((*db)->exec("UPDATE audit_log SET identity = 'mallory'"));
    EXPECT_FALSE((*db)->exec("DELETE FROM audit_log"));
    auto q = (*db)->prepare("SELECT identity, op, code FROM audit_log");
    ASSERT_TRUE(q);
    ASSERT_TRUE(*q->step());
    EXPECT_EQ(q->text(0), "alice");
    EXPECT_EQ(q->text(1), "firmware_delete");
    EXPECT_EQ(q->text(2), "not_found");
}

}  // namespace
}  // namespace fleetcast::manager::testing

namespace fleetcast::manager::testing {
namespace {

TEST_F(AuditLogTest, ADryRunCampaignCreateAnswersThePlanAndChangesNothing) {
    add_firmware("A123", "main", "2.0");
    device_seen("gw1", "A123-000001", "A123", {{"main", "1.0"}});
    device_seen("gw1", "A123-000002", "A123", {{"main", "2.0"}});
    auto r = request_as("alice", "dash-1", "campaign_create", R"({"models":["A123"],"asap":true,"dry_run":true})");
    ASSERT_TRUE(r.ok) << r.error;
    auto plan = campaign_created_from_json(r.data.get());
    ASSERT_TRUE(plan) << plan.error().str();
    EXPECT_TRUE(plan->dry_run);
    EXPECT_EQ(plan->targets, 1u);
    ASSERT_EQ(plan->skipped.size(), 1u);
    EXPECT_EQ(plan->skipped[0].reason, "UP TO DATE");
    EXPECT_FALSE(plan->notes.empty());
    auto list = request("campaign_list");
    ASSERT_TRUE(list.ok);
    EXPECT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(list.data.get(), "campaigns")), 0);
    EXPECT_TRUE(transport.on_topic(*topics::gw_schedule("gw1", plan->campaign)).empty());
    ASSERT_EQ(audit().entries.size(), 1u);  // the firmware_add only
}

}  // namespace
}  // namespace fleetcast::manager::testing
