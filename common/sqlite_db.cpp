#include "common/sqlite_db.hpp"

namespace fleetcast {

Statement& Statement::bind(int index, std::string_view text) {
    sqlite3_bind_text(stmt_.get(), index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
}
Statement& Statement::bind(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_.get(), index, value);
    return *this;
}
Statement& Statement::bind_null(int index) {
    sqlite3_bind_null(stmt_.get(), index);
    return *this;
}
Statement& Statement::bind(int index, const std::optional<std::string>& text) {
    return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

Expected<bool> Statement::step() {
    int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return make_error("db", std::string("sqlite step: ") + sqlite3_errmsg(db_));
}

Status Statement::run() {
    while (true) {
        auto r = step();
        if (!r) return r.error();
        if (!*r) break;
    }
    reset();
    return ok_status();
}

std::string Statement::text(int col) const {
    auto p = sqlite3_column_text(stmt_.get(), col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), col)))
             : std::string();
}
std::int64_t Statement::int64(int col) const { return sqlite3_column_int64(stmt_.get(), col); }
bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL; }
void Statement::reset() {
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
}

Database::~Database() {
    if (db_) sqlite3_close_v2(db_);
}

Expected<std::unique_ptr<Database>> Database::open(const std::filesystem::path& path) {
    std::unique_ptr<Database> d(new Database());
    if (sqlite3_open_v2(path.c_str(), &d->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK)
        return make_error("db", "open " + path.string() + ": " + (d->db_ ? sqlite3_errmsg(d->db_) : "out of memory"));
    sqlite3_busy_timeout(d->db_, 5000);
    for (auto pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
        auto st = d->exec(pragma);
        if (!st) return st.error();
    }
    return d;
}

Status Database::exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "unknown";
        sqlite3_free(err);
        return make_error("db", "sqlite: " + msg);
    }
    return ok_status();
}

Expected<Statement> Database::prepare(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK)
        return make_error("db", std::string("sqlite prepare: ") + sqlite3_errmsg(db_));
    return Statement(db_, stmt);
}

Status apply_migrations(Database& db, const std::vector<Migration>& migrations) {
    if (migrations.empty()) return ok_status();
    auto q = db.prepare("PRAGMA user_version");
    if (!q) return q.error();
    auto row = q->step();
    if (!row) return row.error();
    const auto version = *row ? q->int64(0) : 0;
    const int latest = migrations.back().version;
    if (version == latest) return ok_status();
    if (version > latest)
        return make_error("db", "database schema " + std::to_string(version) + " is newer than this program (" +
                                    std::to_string(latest) + ")");
    return db.transaction([&]() -> Status {
        for (const auto& m : migrations) {
            if (m.version <= version) continue;
            auto st = db.exec(m.sql);
            if (!st) return st.error().with_context("schema " + std::to_string(m.version));
        }
        return db.exec("PRAGMA user_version = " + std::to_string(latest));
    });
}

}  // namespace fleetcast
