#include <gtest/gtest.h>

#include <filesystem>

#include "common/sqlite_db.hpp"
#include "manager/manager_store.hpp"

namespace fleetcast::manager {
namespace {

namespace fs = std::filesystem;

TEST(ManagerStoreSchema, DatabaseOfSchema4WithTheTablesEarlierProgramsMadeAtStartOpensAtTheLatestSchema) {
    char tmpl[] = "/tmp/fleetcast-mgr-schema-XXXXXX";
    const fs::path dir = mkdtemp(tmpl);
    const auto path = dir / "manager.db";
    const auto at = TimePoint{} + std::chrono::hours(24 * 365 * 56);
    {
        auto store = ManagerStore::open(path);
        ASSERT_TRUE(store) << store.error().str();
        ASSERT_TRUE((*store)->set_deferment("A123-000001", DefermentParam{Millis(90000), at}));
    }
    {
        // What a program of schema 4 left: the same tables (it created them
        // "if not exists" at each start), user_version 4.
        auto db = Database::open(path);
        ASSERT_TRUE(db);
        ASSERT_TRUE((*db)->exec("PRAGMA user_version = 4"));
    }
    auto store = ManagerStore::open(path);
    ASSERT_TRUE(store) << store.error().str();
    auto d = (*store)->deferment("A123-000001");
    ASSERT_TRUE(d && *d);
    EXPECT_EQ((*d)->value, Millis(90000));
    store->reset();
    auto db = Database::open(path);
    auto q = (*db)->prepare("PRAGMA user_version");
    ASSERT_TRUE(q && *q->step());
    EXPECT_EQ(q->int64(0), kSchemaVersion);
    fs::remove_all(dir);
}
}  // namespace
}  // namespace fleetcast::manager

namespace fleetcast::manager {
namespace {

// Issue 16: a database of schema 5 gains the campaign-control tables and keeps its campaigns.
TEST(ManagerStoreSchema, DatabaseOfSchema5GainsTheCampaignCommandTablesAndKeepsItsCampaigns) {
    char tmpl[] = "/tmp/fleetcast-mgr-schema-XXXXXX";
    const fs::path dir = mkdtemp(tmpl);
    const auto path = dir / "manager.db";
    const auto at = TimePoint{} + std::chrono::hours(24 * 365 * 56);
    {
        auto store = ManagerStore::open(path);
        ASSERT_TRUE(store) << store.error().str();
        CampaignRecord c;
        c.id = "c-old";
        c.created_at = at;
        c.update_at = at;
        ASSERT_TRUE((*store)->insert_campaign(c, {}));
    }
    {
        // What a program of schema 5 left: no campaign-control tables.
        auto db = Database::open(path);
        ASSERT_TRUE(db);
        ASSERT_TRUE(
            (*db)->exec("DROP TABLE campaign_command_gateways; DROP TABLE campaign_commands;"
                        " PRAGMA user_version = 5"));
    }
    auto store = ManagerStore::open(path);
    ASSERT_TRUE(store) << store.error().str();
    auto c = (*store)->find_campaign("c-old");
    ASSERT_TRUE(c && *c);
    EXPECT_EQ((*c)->state, kCampaignActive);
    const CampaignCommandRecord cmd{"c-old", CampaignAction::Pause, "r-1", "why", at};
    ASSERT_TRUE((*store)->save_campaign_command(cmd, kCampaignPaused, {"gw1", "gw2"}));
    EXPECT_EQ((*(*store)->find_campaign("c-old"))->state, kCampaignPaused);
    auto pending = (*store)->unconfirmed_commands_on("gw2");
    ASSERT_TRUE(pending);
    ASSERT_EQ(pending->size(), 1u);
    EXPECT_EQ(pending->front().reason, "why");
    EXPECT_TRUE(*(*store)->confirm_campaign_command("c-old", "gw2", "r-1", at));
    EXPECT_FALSE(*(*store)->confirm_campaign_command("c-old", "gw2", "r-1", at)) << "confirmed once";
    EXPECT_TRUE((*store)->unconfirmed_commands_on("gw2")->empty());
    EXPECT_EQ((*store)->unconfirmed_commands_on("gw1")->size(), 1u);
    store->reset();
    auto db = Database::open(path);
    auto q = (*db)->prepare("PRAGMA user_version");
    ASSERT_TRUE(q && *q->step());
    EXPECT_EQ(q->int64(0), kSchemaVersion);
    fs::remove_all(dir);
}
}  // namespace
}  // namespace fleetcast::manager

namespace fleetcast::manager {
namespace {

// Issue 16 item 3: a database of schema 6 gains the failure-threshold table;
// its campaigns have none, new ones keep theirs and the counts at a resume.
TEST(ManagerStoreSchema, DatabaseOfSchema6GainsTheFailureThresholdTableAndKeepsItsCampaigns) {
    char tmpl[] = "/tmp/fleetcast-mgr-schema-XXXXXX";
    const fs::path dir = mkdtemp(tmpl);
    const auto path = dir / "manager.db";
    const auto at = TimePoint{} + std::chrono::hours(24 * 365 * 56);
    {
        auto store = ManagerStore::open(path);
        ASSERT_TRUE(store) << store.error().str();
        CampaignRecord c;
        c.id = "c-old";
        c.created_at = at;
        c.update_at = at;
        ASSERT_TRUE((*store)->insert_campaign(c, {}));
    }
    {
        auto db = Database::open(path);
        ASSERT_TRUE(db);
        ASSERT_TRUE((*db)->exec("DROP TABLE campaign_failure_thresholds; PRAGMA user_version = 6"));
    }
    auto store = ManagerStore::open(path);
    ASSERT_TRUE(store) << store.error().str();
    auto old = (*store)->find_campaign("c-old");
    ASSERT_TRUE(old && *old);
    EXPECT_FALSE((*old)->failure_threshold);
    CampaignRecord c;
    c.id = "c-new";
    c.created_at = at;
    c.update_at = at;
    FailureThreshold t;
    t.max_percent = 5;
    t.min_ended = 10;
    t.on_failure = FailureAction::Cancel;
    c.failure_threshold = t;
    ASSERT_TRUE((*store)->insert_campaign(c, {}));
    auto back = (*store)->find_campaign("c-new");
    ASSERT_TRUE(back && *back && (*back)->failure_threshold);
    EXPECT_EQ(*(*back)->failure_threshold, t);
    EXPECT_EQ((*store)->counted_at_resume("c-new")->failed, 0u);
    ASSERT_TRUE((*store)->set_counted_at_resume("c-new", FailureCounts{7, 2}));
    EXPECT_EQ((*store)->counted_at_resume("c-new")->ended, 7u);
    EXPECT_EQ((*store)->counted_at_resume("c-new")->failed, 2u);
    store->reset();
    auto db = Database::open(path);
    auto q = (*db)->prepare("PRAGMA user_version");
    ASSERT_TRUE(q && *q->step());
    EXPECT_EQ(q->int64(0), kSchemaVersion);
    fs::remove_all(dir);
}

// Issue 16 items 4 and 5 (schema 9): rate limits with each gateway's share,
// and gateway windows, survive a reopen (what a kill -9 of the manager does).
TEST(ManagerStoreSchema, DatabaseOfSchema7GainsTheRateLimitAndWindowTablesAndKeepsThemAcrossReopens) {
    char tmpl[] = "/tmp/fleetcast-mgr-schema-XXXXXX";
    const fs::path dir = mkdtemp(tmpl);
    const auto path = dir / "manager.db";
    const auto at = TimePoint{} + std::chrono::hours(24 * 365 * 56);
    {
        auto store = ManagerStore::open(path);
        ASSERT_TRUE(store) << store.error().str();
    }
    {
        auto db = Database::open(path);
        ASSERT_TRUE(db);
        ASSERT_TRUE(
            (*db)->exec("DROP TABLE campaign_rate_limits; DROP TABLE gateway_windows; PRAGMA user_version = 7"));
    }
    {
        auto store = ManagerStore::open(path);
        ASSERT_TRUE(store) << store.error().str();
        CampaignRecord c;
        c.id = "c-limited";
        c.created_at = at;
        c.update_at = at;
        c.limits.max_per_minute = 3;
        c.limits.max_concurrent_per_gateway = 2;
        c.gateway_limits = share_limits(c.limits, {{"gw1", 2}, {"gw2", 1}});
        ASSERT_TRUE((*store)->insert_campaign(c, {}));
        ASSERT_TRUE((*store)->set_gateway_window(WindowMsg{"gw1", "Mon-Fri 22:00-05:00", "Europe/Berlin", at}));
        ASSERT_TRUE((*store)->set_gateway_window(WindowMsg{"gw2", "daily 01:00-02:00", "UTC", at}));
        ASSERT_TRUE((*store)->clear_gateway_window("gw2"));
    }
    auto store = ManagerStore::open(path);
    ASSERT_TRUE(store) << store.error().str();
    auto back = (*store)->find_campaign("c-limited");
    ASSERT_TRUE(back && *back);
    EXPECT_EQ((*back)->limits.max_per_minute, 3u);
    EXPECT_EQ((*back)->limits.max_concurrent_per_gateway, 2u);
    EXPECT_EQ((*back)->gateway_limits, share_limits((*back)->limits, {{"gw1", 2}, {"gw2", 1}}));
    auto windows = (*store)->gateway_windows();
    ASSERT_TRUE(windows);
    ASSERT_EQ(windows->size(), 1u);
    EXPECT_EQ(windows->at("gw1").window, "Mon-Fri 22:00-05:00");
    EXPECT_EQ(windows->at("gw1").tz, "Europe/Berlin");
    store->reset();
    fs::remove_all(dir);
}

}  // namespace
}  // namespace fleetcast::manager

namespace fleetcast::manager {
namespace {

TargetRecord wave_target(const std::string& campaign, const std::string& device, std::uint32_t wave) {
    TargetRecord t;
    t.campaign = campaign;
    t.device = device;
    t.gateway = "gw1";
    t.model = "A123";
    t.fw_ids = {"fw1"};
    t.wave = wave;
    return t;
}

// Issue 16 item 2: a database of schema 7 gains the wave tables; its
// campaigns have no waves (every target is released); new ones keep their
// plan, seed, members, open wave and the soak's start.
TEST(ManagerStoreSchema, DatabaseOfSchema7GainsTheWaveTablesAndKeepsItsCampaigns) {
    char tmpl[] = "/tmp/fleetcast-mgr-schema-XXXXXX";
    const fs::path dir = mkdtemp(tmpl);
    const auto path = dir / "manager.db";
    const auto at = TimePoint{} + std::chrono::hours(24 * 365 * 56);
    CampaignRecord old;
    old.id = "c-old";
    old.created_at = at;
    old.update_at = at;
    {
        auto store = ManagerStore::open(path);
        ASSERT_TRUE(store) << store.error().str();
        ASSERT_TRUE((*store)->insert_campaign(old, {wave_target("c-old", "A123-000001", 0)}));
    }
    {
        auto db = Database::open(path);
        ASSERT_TRUE(db);
        ASSERT_TRUE((*db)->exec("DROP TABLE target_waves; DROP TABLE campaign_waves; PRAGMA user_version = 7"));
    }
    auto store = ManagerStore::open(path);
    ASSERT_TRUE(store) << store.error().str();
    auto found = (*store)->find_campaign("c-old");
    ASSERT_TRUE(found && *found);
    EXPECT_FALSE((*found)->waves);
    EXPECT_EQ((*store)->target_states("c-old", "gw1")->size(), 1u) << "without waves every target is released";
    EXPECT_EQ((*store)->campaigns_open_on("gw1")->count("c-old"), 1u);

    CampaignRecord c = old;
    c.id = "c-new";
    CampaignWaves w;
    w.plan.sizes = {{1, false}, {100, true}};
    w.plan.soak = Millis(60000);
    w.seed = "0123456789abcdef";
    w.counts = {1, 3};
    c.waves = w;
    ASSERT_TRUE(
        (*store)->insert_campaign(c, {wave_target("c-new", "A123-000001", 1), wave_target("c-new", "A123-000002", 2),
                                      wave_target("c-new", "A123-000003", 2)}));
    auto back = (*store)->find_campaign("c-new");
    ASSERT_TRUE(back && *back && (*back)->waves);
    EXPECT_EQ((*back)->waves->plan, w.plan);
    EXPECT_EQ((*back)->waves->seed, w.seed);
    EXPECT_EQ((*back)->waves->counts, w.counts);
    EXPECT_EQ((*back)->waves->open, 1u);
    EXPECT_FALSE((*back)->waves->success_met_at);
    EXPECT_EQ(*(*store)->unreleased_devices("c-new", std::string("gw1")),
              (std::set<std::string>{"A123-000002", "A123-000003"}));
    EXPECT_EQ((*store)->target_states("c-new", "gw1")->size(), 1u) << "only the open wave is compared";
    ASSERT_TRUE((*store)->set_wave_success_met("c-new", at));
    EXPECT_EQ((*(*store)->find_campaign("c-new"))->waves->success_met_at, at);
    ASSERT_TRUE((*store)->open_wave("c-new", 2));
    back = (*store)->find_campaign("c-new");
    EXPECT_EQ((*back)->waves->open, 2u);
    EXPECT_FALSE((*back)->waves->success_met_at) << "the new wave's soak has not started";
    EXPECT_TRUE((*store)->unreleased_devices("c-new", std::nullopt)->empty());
    EXPECT_EQ((*store)->wave_tally("c-new", 2)->targets, 2u);
    store->reset();
    auto db = Database::open(path);
    auto q = (*db)->prepare("PRAGMA user_version");
    ASSERT_TRUE(q && *q->step());
    EXPECT_EQ(q->int64(0), kSchemaVersion);
    fs::remove_all(dir);
}

}  // namespace
}  // namespace fleetcast::manager
