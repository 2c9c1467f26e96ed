// The statement cache and nested transactions of common/sqlite_db (issue 20).
#include <gtest/gtest.h>

#include <filesystem>

#include "common/sqlite_db.hpp"

namespace fleetcast {
namespace {

namespace fs = std::filesystem;

struct SqliteStatementsTest : ::testing::Test {
    fs::path dir;
    std::unique_ptr<Database> db;
    void SetUp() override {
        char tmpl[] = "/tmp/fleetcast-stmts-XXXXXX";
        dir = mkdtemp(tmpl);
        auto opened = Database::open(dir / "t.db");
        ASSERT_TRUE(opened) << opened.error().str();
        db = std::move(*opened);
        ASSERT_TRUE(db->exec("CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL)"));
    }
    void TearDown() override {
        db.reset();
        fs::remove_all(dir);
    }
    Status put(const std::string& k, std::int64_t v) {
        auto s = db->prepare("INSERT OR REPLACE INTO kv (k, v) VALUES (?1, ?2)");
        if (!s) return s.error();
        return s->bind(1, k).bind(2, v).run();
    }
    std::optional<std::int64_t> get(const std::string& k) {
        auto s = db->prepare("SELECT v FROM kv WHERE k = ?1");
        EXPECT_TRUE(s);
        s->bind(1, k);
        auto row = s->step();
        EXPECT_TRUE(row);
        if (!*row) return std::nullopt;
        return s->int64(0);
    }
};

TEST_F(SqliteStatementsTest, AReusedStatementStartsWithoutTheBindingsAndRowsOfItsLastUse) {
    ASSERT_TRUE(put("a", 1));
    ASSERT_TRUE(put("b", 2));
    {
        // Left in the middle of its rows, with bindings: it goes back to the cache like this.
        auto s = db->prepare("SELECT v FROM kv WHERE k = ?1");
        ASSERT_TRUE(s);
        s->bind(1, "a");
        ASSERT_TRUE(*s->step());
        EXPECT_EQ(s->int64(0), 1);
    }
    EXPECT_EQ(get("b"), 2);
    EXPECT_EQ(get("a"), 1);
    EXPECT_EQ(get("c"), std::nullopt);
    // A statement left unfinished holds no read: a write from here commits.
    ASSERT_TRUE(db->transaction([&] { return put("c", 3); }));
    EXPECT_EQ(get("c"), 3);
}

TEST_F(SqliteStatementsTest, TheSameSqlInUseTwiceAtOnceGetsTwoStatements) {
    ASSERT_TRUE(put("a", 1));
    ASSERT_TRUE(put("b", 2));
    auto outer = db->prepare("SELECT k, v FROM kv ORDER BY k");
    ASSERT_TRUE(outer);
    std::vector<std::string> seen;
    while (*outer->step()) {
        // The same SQL while the outer one is on a row: a statement of its own.
        auto inner = db->prepare("SELECT k, v FROM kv ORDER BY k");
        ASSERT_TRUE(inner);
        std::size_t n = 0;
        while (*inner->step()) ++n;
        EXPECT_EQ(n, 2u);
        seen.push_back(outer->text(0));
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"a", "b"}));
}

TEST_F(SqliteStatementsTest, AFailedInnerTransactionUndoesOnlyItsOwnWrites) {
    auto st = db->transaction([&]() -> Status {
        EXPECT_TRUE(db->in_transaction());
        auto s = put("outer", 1);
        if (!s) return s;
        auto inner = db->transaction([&]() -> Status {
            auto w = put("inner", 2);
            if (!w) return w;
            return make_error("bad_report", "refused after its write");
        });
        EXPECT_FALSE(inner);
        EXPECT_EQ(inner.error().code, "bad_report");
        EXPECT_TRUE(db->in_transaction());  // the outer one goes on
        return db->transaction([&] { return put("second", 3); });
    });
    ASSERT_TRUE(st) << st.error().str();
    EXPECT_FALSE(db->in_transaction());
    EXPECT_EQ(get("outer"), 1);
    EXPECT_EQ(get("inner"), std::nullopt);
    EXPECT_EQ(get("second"), 3);
}

TEST_F(SqliteStatementsTest, AFailedOuterTransactionUndoesItsCommittedInnerOnes) {
    auto st = db->transaction([&]() -> Status {
        auto inner = db->transaction([&] { return put("inner", 2); });
        if (!inner) return inner;
        return make_error("io", "the batch fails after its parts succeeded");
    });
    EXPECT_FALSE(st);
    EXPECT_FALSE(db->in_transaction());
    EXPECT_EQ(get("inner"), std::nullopt);
}

}  // namespace
}  // namespace fleetcast
