#pragma once
// Minimal RAII wrapper over SQLite (WAL mode, synchronous=FULL): durable
// state for the manager and the gateway. Errors are values.
// Prepared statements are kept: a Statement returns to its Database when it
// goes (reset, bindings cleared) and the next prepare() of the same SQL takes
// it again instead of compiling it (issue 20: compiling was a large share of
// a report's cost). A statement in use is never handed out twice.
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.hpp"

namespace fleetcast {

class Database;

class Statement {
   public:
    Statement(sqlite3* db, sqlite3_stmt* stmt, Database* home = nullptr, std::string sql = {})
        : db_(db), stmt_(stmt), home_(home), sql_(std::move(sql)) {}
    ~Statement();
    Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_), home_(o.home_), sql_(std::move(o.sql_)) {
        o.stmt_ = nullptr;
    }
    Statement& operator=(Statement&& o) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, std::int64_t value);
    Statement& bind_null(int index);
    Statement& bind(int index, const std::optional<std::string>& text);
    // true when a row is available, false when done.
    Expected<bool> step();
    Status run();  // step until done
    std::string text(int col) const;
    std::int64_t int64(int col) const;
    bool is_null(int col) const;
    void reset();

   private:
    void release();
    sqlite3* db_;
    sqlite3_stmt* stmt_;
    Database* home_;   // the cache it returns to; none: finalized
    std::string sql_;  // its key there
};

class Database {
   public:
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    static Expected<std::unique_ptr<Database>> open(const std::filesystem::path& path);
    Status exec(const std::string& sql);
    Expected<Statement> prepare(const std::string& sql);
    // Runs fn inside BEGIN IMMEDIATE ... COMMIT; rolls back when fn or the
    // COMMIT fails. Inside a transaction already (a manager's loop turn), fn
    // runs in a savepoint of it: its failure undoes only its own writes.
    template <typename Fn>
    Status transaction(Fn&& fn) {
        if (in_transaction()) {
            auto st = exec("SAVEPOINT nested");
            if (!st) return st;
            Status r = fn();
            if (!r) exec("ROLLBACK TO nested");
            auto released = exec("RELEASE nested");
            return r ? released : r;
        }
        auto st = exec("BEGIN IMMEDIATE");
        if (!st) return st;
        Status r = fn();
        if (!r) {
            exec("ROLLBACK");
            return r;
        }
        auto committed = exec("COMMIT");
        if (!committed && in_transaction()) exec("ROLLBACK");
        return committed;
    }
    bool in_transaction() const { return db_ && sqlite3_get_autocommit(db_) == 0; }

   private:
    friend class Statement;
    Database() = default;
    void recycle(sqlite3_stmt* stmt, std::string sql);  // a Statement's end: kept for the next prepare() of its SQL
    sqlite3* db_ = nullptr;
    std::mutex cache_mu_;
    std::unordered_map<std::string, std::vector<sqlite3_stmt*>> idle_;
    std::size_t idle_count_ = 0;
};

// One step of a database's schema: the SQL that takes it to `version` from
// the version before. A program's store keeps one list of them, oldest first.
struct Migration {
    int version;
    const char* sql;
};

// Runs, in one transaction, every migration above the database's
// PRAGMA user_version and sets it to the last one's. A database newer than
// the list is refused (a downgraded program must not write it).
Status apply_migrations(Database& db, const std::vector<Migration>& migrations);

}  // namespace fleetcast
