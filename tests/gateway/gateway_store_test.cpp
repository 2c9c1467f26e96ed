// gateway.db across versions: a database written before the job timers were
// stored still loads (its jobs have no timers yet), and the timers a job
// holds survive a gateway restart.
#include "common/sqlite_db.hpp"
#include "common/topics.hpp"
#include "tests/gateway/gateway_fixture.hpp"

namespace fleetcast::gateway::testing {
namespace {

using namespace std::chrono_literals;

// The schema and rows as the gateway wrote them before job_timers (schema
// version 0, no user_version set).
constexpr const char* kOldSchema =
    "CREATE TABLE job_attempts (campaign TEXT NOT NULL, device TEXT NOT NULL, attempts INTEGER NOT NULL,"
    " suspended INTEGER NOT NULL, PRIMARY KEY (campaign, device));"
    "CREATE TABLE job_install (campaign TEXT NOT NULL, device TEXT NOT NULL, install_seen INTEGER NOT NULL,"
    " ready_boot_count INTEGER NOT NULL, PRIMARY KEY (campaign, device));"
    "CREATE TABLE fanout_marks (campaign TEXT NOT NULL, fw_id TEXT NOT NULL, acked_below INTEGER NOT NULL,"
    " PRIMARY KEY (campaign, fw_id));"
    "CREATE TABLE schedules (campaign TEXT PRIMARY KEY, update_at TEXT NOT NULL, body TEXT NOT NULL);"
    "CREATE TABLE jobs (campaign TEXT NOT NULL, device TEXT NOT NULL, model TEXT NOT NULL, fw_ids TEXT NOT NULL,"
    " necessity TEXT NOT NULL, update_at TEXT NOT NULL, state TEXT NOT NULL, comment TEXT NOT NULL,"
    " progress INTEGER NOT NULL, started_at TEXT, ended_at TEXT, firmware TEXT NOT NULL,"
    " PRIMARY KEY (campaign, device));"
    "CREATE TABLE devices (id TEXT PRIMARY KEY, model TEXT NOT NULL, status TEXT NOT NULL, firmware TEXT NOT NULL,"
    " at TEXT NOT NULL);"
    "CREATE TABLE job_requests (campaign TEXT NOT NULL, device TEXT NOT NULL, applied TEXT NOT NULL,"
    " cancel_pending TEXT NOT NULL, PRIMARY KEY (campaign, device));"
    "INSERT INTO jobs VALUES ('c1', 'A123-000001', 'A123', 'fw1', 'YES', '2026-11-25T18:00:00.000Z',"
    " 'installing', 'cancel requested by operator', 60, '2026-11-25T18:00:01.000Z', NULL, '{\"v\":{}}');"
    "INSERT INTO jobs VALUES ('c1', 'A123-000002', 'A123', 'fw1', 'YES', '2026-11-25T18:00:00.000Z',"
    " 'waiting', 'suspended by operator', 0, NULL, NULL, '{\"v\":{}}');"
    "INSERT INTO job_attempts VALUES ('c1', 'A123-000001', 1, 0);"
    "INSERT INTO job_attempts VALUES ('c1', 'A123-000002', 0, 1);"
    "INSERT INTO job_install VALUES ('c1', 'A123-000001', 1, 4);"
    "INSERT INTO job_requests VALUES ('c1', 'A123-000001', 'r1,r2', 'operator');";

std::int64_t user_version(const std::filesystem::path& db_path) {
    auto db = Database::open(db_path);
    if (!db) return -1;
    auto s = (*db)->prepare("PRAGMA user_version");
    if (!s) return -1;
    auto row = s->step();
    return row && *row ? s->int64(0) : -1;
}

class Store : public ::testing::Test {
   protected:
    void SetUp() override {
        dir = std::filesystem::temp_directory_path() /
              ("fleetcast-gwstore-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    std::filesystem::path dir;
};

TEST_F(Store, DatabaseWrittenBeforeTheJobTimersLoadsAndGainsThem) {
    const auto path = dir / "gateway.db";
    {
        auto db = Database::open(path);
        ASSERT_TRUE(db);
        ASSERT_TRUE((*db)->exec(kOldSchema));
    }
    auto store = GatewayStore::open(path);
    ASSERT_TRUE(store) << store.error().str();
    EXPECT_EQ(user_version(path), gateway_migrations().back().version);
    auto jobs = (*store)->load_jobs();
    ASSERT_TRUE(jobs) << jobs.error().str();
    ASSERT_EQ(jobs->size(), 2u);
    JobRow& installing = (*jobs)[0];
    EXPECT_EQ(installing.state, JobState::Installing);
    EXPECT_EQ(installing.attempts, 1u);
    EXPECT_EQ(installing.cancel_pending, "operator");
    EXPECT_EQ(installing.applied_requests, (std::vector<std::string>{"r1", "r2"}));
    EXPECT_TRUE(installing.install_seen);
    EXPECT_EQ(installing.ready_boot_count, 4u);
    EXPECT_FALSE(installing.offer_pending);
    EXPECT_FALSE(installing.answer_due);
    EXPECT_FALSE(installing.power_on_since) << "armed by the gateway when it first sees the job";
    EXPECT_TRUE((*jobs)[1].suspended);
    EXPECT_FALSE((*jobs)[1].paused) << "schema 2 (issue 16): no campaign pause before it";

    // The timers are stored from now on, and an old row keeps everything else.
    const auto since = *parse_time("2026-11-25T18:05:00.000Z");
    installing.power_on_since = since;
    ASSERT_TRUE((*store)->save_job(installing));
    store->reset();
    auto again = GatewayStore::open(path);
    ASSERT_TRUE(again);
    auto reloaded = (*again)->load_jobs();
    ASSERT_TRUE(reloaded);
    EXPECT_EQ((*reloaded)[0].power_on_since, since);
    EXPECT_EQ((*reloaded)[0].cancel_pending, "operator");
    EXPECT_EQ((*reloaded)[0].attempts, 1u);
    EXPECT_EQ(user_version(path), gateway_migrations().back().version);
    // Schema 2 (issue 16): a job's pause hold and the campaign's last command are stored.
    (*reloaded)[1].paused = true;
    ASSERT_TRUE((*again)->save_job((*reloaded)[1]));
    const GatewayStore::CampaignHold hold{CampaignAction::Pause, "p-1", "why", since};
    ASSERT_TRUE((*again)->save_campaign_hold("c1", hold));
    again->reset();
    auto third = GatewayStore::open(path);
    ASSERT_TRUE(third);
    EXPECT_TRUE((*(*third)->load_jobs())[1].paused);
    EXPECT_TRUE((*(*third)->load_jobs())[1].suspended);
    auto holds = (*third)->load_campaign_holds();
    ASSERT_TRUE(holds);
    ASSERT_EQ(holds->count("c1"), 1u);
    EXPECT_EQ(holds->at("c1").request_id, "p-1");
    EXPECT_EQ(holds->at("c1").action, CampaignAction::Pause);
}

class Timers : public GatewayTest {
   protected:
    const std::string d1 = "A123-000001";
    void offered() {
        auto s = make_schedule("c1", clock.now(), {&main_v2}, {d1});
        s.retry.max_retries = 0;
        s.retry.power_on_timeout = Millis(30000);
        send_schedule(s);
        send_all_chunks(main_v2);
        ASSERT_EQ(job_reports(d1).back().state, JobState::Requesting);
    }
};

TEST_F(Timers, AnswerDeadlineIsStoredWithTheRowAndEndsWithRequesting) {
    offered();
    auto due = stored_job(d1).answer_due;
    ASSERT_TRUE(due);
    EXPECT_EQ(*due, clock.now() + config().answer_timeout);
    device_event(d1, encode(ReadyEvent{"c1", {main_v2.manifest.fw_id}, 1}));
    EXPECT_FALSE(stored_job(d1).answer_due);
}

TEST_F(Timers, PowerOnDeadlineSurvivesAGatewayRestart) {
    offered();
    device_event(d1, encode(ReadyEvent{"c1", {main_v2.manifest.fw_id}, 1}));
    device_event(d1, encode(ProgressEvent{"c1", "restarting", 100}));
    const auto since = clock.now();
    EXPECT_EQ(stored_job(d1).power_on_since, since);
    advance(20s);
    restart();
    EXPECT_EQ(stored_job(d1).power_on_since, since) << "not armed again: the device had 20 s already";
    advance(11s);
    EXPECT_EQ(job_reports(d1).back().state, JobState::Failed);
    EXPECT_FALSE(stored_job(d1).power_on_since);
}

TEST_F(Timers, TransfersAreOfferedAgainAfterARestart) {
    offered();
    device_event(d1, encode(ReadyEvent{"c1", {main_v2.manifest.fw_id}, 1}));
    EXPECT_FALSE(stored_job(d1).offer_pending);
    restart();
    // Stored before the first scan offers it again (and clears it).
    EXPECT_TRUE(stored_job(d1).offer_pending);
    EXPECT_EQ(count_commands<OfferCmd>(d1), 1);
    gw->tick();
    EXPECT_EQ(count_commands<OfferCmd>(d1), 2);
    EXPECT_FALSE(stored_job(d1).offer_pending);
}

}  // namespace
}  // namespace fleetcast::gateway::testing
