#include "common/sqlite_db.hpp"

namespace fleetcast {

namespace {
// Distinct SQL texts kept idle at most (the stores have a few dozen; SQL
// built with a varying IN list would otherwise grow the cache).
constexpr std::size_t kMaxIdleStatements = 256;
}  // namespace

Statement::~Statement() { release(); }

Statement& Statement::operator=(Statement&& o) noexcept {
    if (this != &o) {
        release();
        db_ = o.db_;
        stmt_ = o.stmt_;
        home_ = o.home_;
        sql_ = std::move(o.sql_);
        o.stmt_ = nullptr;
    }
    return *this;
}

void Statement::release() {
    if (!stmt_) return;
    if (home_) home_->recycle(stmt_, std::move(sql_));
    else sqlite3_finalize(stmt_);
    stmt_ = nullptr;
}

Statement& Statement::bind(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
}
Statement& Statement::bind(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
}
Statement& Statement::bind_null(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
}
Statement& Statement::bind(int index, const std::optional<std::string>& text) {
    return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

Expected<bool> Statement::step() {
    int rc = sqlite3_step(stmt_);
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
    auto p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
}
std::int64_t Statement::int64(int col) const { return sqlite3_column_int64(stmt_, col); }
bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

Database::~Database() {
    for (auto& [sql, stmts] : idle_)
        for (auto* stmt : stmts) sqlite3_finalize(stmt);
    if (db_) sqlite3_close_v2(db_);
}

void Database::recycle(sqlite3_stmt* stmt, std::string sql) {
    sqlite3_reset(stmt);  // also ends the read it may hold
    sqlite3_clear_bindings(stmt);
    std::lock_guard lock(cache_mu_);
    if (idle_count_ >= kMaxIdleStatements) {
        sqlite3_finalize(stmt);
        return;
    }
    idle_[std::move(sql)].push_back(stmt);
    ++idle_count_;
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
    {
        std::lock_guard lock(cache_mu_);
        if (auto it = idle_.find(sql); it != idle_.end() && !it->second.empty()) {
            auto* stmt = it->second.back();
            it->second.pop_back();
            --idle_count_;
            return Statement(db_, stmt, this, sql);
        }
    }
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK)
        return make_error("db", std::string("sqlite prepare: ") + sqlite3_errmsg(db_));
    if (!stmt) return make_error("db", "sqlite prepare: no statement in '" + sql + "'");
    return Statement(db_, stmt, this, sql);
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
