#include <gtest/gtest.h>

#include <filesystem>

#include "common/sqlite_db.hpp"

namespace fleetcast {
namespace {

namespace fs = std::filesystem;

struct MigrationsTest : ::testing::Test {
    fs::path dir;
    void SetUp() override {
        char tmpl[] = "/tmp/fleetcast-migrate-XXXXXX";
        dir = mkdtemp(tmpl);
    }
    void TearDown() override { fs::remove_all(dir); }
    std::unique_ptr<Database> open() {
        auto db = Database::open(dir / "t.db");
        EXPECT_TRUE(db) << db.error().str();
        return std::move(*db);
    }
    static std::int64_t user_version(Database& db) {
        auto q = db.prepare("PRAGMA user_version");
        EXPECT_TRUE(q);
        EXPECT_TRUE(*q->step());
        return q->int64(0);
    }
    static bool has_table(Database& db, const std::string& name) {
        auto q = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
        q->bind(1, name);
        return *q->step();
    }
};

const std::vector<Migration> kTwo{{1, "CREATE TABLE a (x INTEGER);"}, {2, "ALTER TABLE a ADD COLUMN y TEXT;"}};

// The manager's audit log runs a change inside its own transaction: the
// change's transaction is then a savepoint, undone alone when it fails and
// committed with the outer one.
TEST_F(MigrationsTest, ATransactionInsideAnotherIsASavepointOfIt) {
    auto db = open();
    ASSERT_TRUE(db->exec("CREATE TABLE t (v INTEGER)"));
    auto count = [&] {
        auto q = db->prepare("SELECT COUNT(*) FROM t");
        EXPECT_TRUE(q);
        EXPECT_TRUE(*q->step());
        return q->int64(0);
    };
    auto st = db->transaction([&]() -> Status {
        auto inner_failed = db->transaction([&]() -> Status {
            auto ins = db->exec("INSERT INTO t VALUES (1)");
            if (!ins) return ins;
            return make_error("refused", "the change failed");
        });
        EXPECT_FALSE(inner_failed);
        EXPECT_EQ(count(), 0);  // the failed inner change is gone
        auto inner_ok = db->transaction([&]() -> Status { return db->exec("INSERT INTO t VALUES (2)"); });
        EXPECT_TRUE(inner_ok);
        return db->exec("INSERT INTO t VALUES (3)");  // the audit row
    });
    ASSERT_TRUE(st) << st.error().str();
    EXPECT_EQ(count(), 2);
    // An outer transaction that fails takes its committed savepoints with it.
    st = db->transaction([&]() -> Status {
        EXPECT_TRUE(db->transaction([&]() -> Status { return db->exec("INSERT INTO t VALUES (4)"); }));
        return make_error("refused", "the outer step failed");
    });
    EXPECT_FALSE(st);
    EXPECT_EQ(count(), 2);
}

TEST_F(MigrationsTest, NewDatabaseGetsEveryStepAndTheLastVersion) {
    auto db = open();
    ASSERT_TRUE(apply_migrations(*db, kTwo));
    EXPECT_EQ(user_version(*db), 2);
    EXPECT_TRUE(db->exec("INSERT INTO a (x, y) VALUES (1, 'one')"));
}

TEST_F(MigrationsTest, OlderDatabaseRunsOnlyTheStepsAboveItsVersionAndKeepsItsRows) {
    {
        auto db = open();
        ASSERT_TRUE(apply_migrations(*db, {kTwo[0]}));
        ASSERT_TRUE(db->exec("INSERT INTO a (x) VALUES (7)"));
    }
    auto db = open();
    ASSERT_TRUE(apply_migrations(*db, kTwo));  // step 1 again would fail: table a exists
    EXPECT_EQ(user_version(*db), 2);
    auto q = db->prepare("SELECT x FROM a");
    ASSERT_TRUE(*q->step());
    EXPECT_EQ(q->int64(0), 7);
}

TEST_F(MigrationsTest, DatabaseNewerThanTheProgramIsRefusedUntouched) {
    {
        auto db = open();
        ASSERT_TRUE(apply_migrations(*db, kTwo));
    }
    auto db = open();
    auto st = apply_migrations(*db, {kTwo[0]});
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("newer"), std::string::npos) << st.error().str();
    EXPECT_EQ(user_version(*db), 2);
}

TEST_F(MigrationsTest, FailingStepRollsBackEveryStepOfTheRun) {
    auto db = open();
    auto st = apply_migrations(*db, {kTwo[0], {2, "ALTER TABLE missing ADD COLUMN z TEXT;"}});
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("schema 2"), std::string::npos) << st.error().str();
    EXPECT_EQ(user_version(*db), 0);
    EXPECT_FALSE(has_table(*db, "a"));
}

}  // namespace
}  // namespace fleetcast
