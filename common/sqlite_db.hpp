#pragma once
// Minimal RAII wrapper over SQLite (WAL mode, synchronous=FULL): durable
// state for the manager and the gateway. Errors are values.
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace fleetcast {

class Statement {
   public:
    Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt, &sqlite3_finalize) {}
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
    sqlite3* db_;
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt_;
};

class Database {
   public:
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    static Expected<std::unique_ptr<Database>> open(const std::filesystem::path& path);
    Status exec(const std::string& sql);
    Expected<Statement> prepare(const std::string& sql);
    // Runs fn inside BEGIN IMMEDIATE ... COMMIT; rolls back when fn fails.
    // Inside another transaction it is a savepoint of it: fn's changes go when
    // fn fails, and are committed with the outer transaction (the manager's
    // audit log writes an operator's change and its record together).
    template <typename Fn>
    Status transaction(Fn&& fn) {
        const bool nested = sqlite3_get_autocommit(db_) == 0;
        auto st = exec(nested ? "SAVEPOINT nested" : "BEGIN IMMEDIATE");
        if (!st) return st;
        Status r = fn();
        if (!r) {
            exec(nested ? "ROLLBACK TO nested; RELEASE nested" : "ROLLBACK");
            return r;
        }
        return exec(nested ? "RELEASE nested" : "COMMIT");
    }

   private:
    Database() = default;
    sqlite3* db_ = nullptr;
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
