// The audit_log table (issue 19 item 3, schema 10): one row per operator
// request that changes something; append-only (triggers refuse UPDATE and DELETE).
#include "manager/manager_store.hpp"
#include "manager/store_rows.hpp"

namespace fleetcast::manager {

Status ManagerStore::append_audit(const AuditEntry& e) {
    auto s = db_->prepare(
        "INSERT INTO audit_log (at, identity, client, req_id, op, args, ok, code, outcome) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!s) return s.error();
    return s->bind(1, format_time(e.at))
        .bind(2, e.identity)
        .bind(3, e.client)
        .bind(4, e.req_id)
        .bind(5, e.op)
        .bind(6, e.args)
        .bind(7, std::int64_t{e.ok ? 1 : 0})
        .bind(8, e.code)
        .bind(9, e.outcome)
        .run();
}

Expected<std::vector<AuditEntry>> ManagerStore::audit_entries(const AuditArgs& query, std::uint64_t limit) {
    auto s = db_->prepare(
        "SELECT seq, at, identity, client, req_id, op, args, ok, code, outcome FROM audit_log "
        "WHERE seq > ?1 AND at >= ?2 ORDER BY seq LIMIT ?3");
    if (s) {
        s->bind(1, static_cast<std::int64_t>(query.after))
            .bind(2, query.since ? format_time(*query.since) : std::string())
            .bind(3, static_cast<std::int64_t>(limit));
    }
    return collect<AuditEntry>(std::move(s), [](const Statement& r) {
        AuditEntry e;
        e.seq = static_cast<std::uint64_t>(r.int64(0));
        auto at = parse_time(r.text(1));
        e.at = at ? *at : TimePoint{};
        e.identity = r.text(2);
        e.client = r.text(3);
        e.req_id = r.text(4);
        e.op = r.text(5);
        e.args = r.text(6);
        e.ok = r.int64(7) != 0;
        e.code = r.text(8);
        e.outcome = r.text(9);
        return e;
    });
}

}  // namespace fleetcast::manager
