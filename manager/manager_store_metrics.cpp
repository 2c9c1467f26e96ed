// What the manager's --metrics-listen endpoint reads from its database
// (manager/manager_metrics.cpp): a few queries, run only when scraped.
#include <algorithm>

#include "manager/manager_store.hpp"
#include "manager/store_rows.hpp"

namespace fleetcast::manager {

namespace {
// Runs `sql` and hands each row to `row`.
template <typename Row>
Status each_row(Database& db, const std::string& sql, Row&& row) {
    auto stmt = db.prepare(sql);
    if (!stmt) return stmt.error();
    return manager::each_row(*stmt, std::forward<Row>(row));
}
std::uint64_t count(const Statement& s, int col) {
    return static_cast<std::uint64_t>(std::max<std::int64_t>(0, s.int64(col)));
}
}  // namespace

Expected<StoreTotals> ManagerStore::metrics_totals() {
    StoreTotals t;
    // Campaigns are few (one per rollout); their targets are not read here.
    auto st = each_row(*db_, "SELECT id, state, update_at FROM campaigns", [&](const Statement& s) {
        CampaignRecord c;
        c.id = s.text(0);
        c.state = s.text(1);
        auto at = parse_time(s.text(2));
        c.update_at = at ? *at : TimePoint{};
        t.campaigns.push_back(std::move(c));
    });
    if (st)
        st = each_row(*db_, "SELECT status, COUNT(*) FROM devices GROUP BY status",
                      [&](const Statement& s) { t.devices[s.text(0)] = count(s, 1); });
    if (st)
        st = each_row(*db_, "SELECT status, COUNT(*) FROM gateways GROUP BY status",
                      [&](const Statement& s) { t.gateways[s.text(0)] = count(s, 1); });
    // Per manager->gateway link: chunks and image bytes served, and the chunks
    // served beyond one copy of each image (the gateway asked again).
    if (st)
        st =
            each_row(*db_,
                     "SELECT x.gateway, SUM(x.chunks_sent), SUM(x.bytes_sent),"
                     " SUM(MAX(0, x.chunks_sent - COALESCE((f.size + f.chunk_size - 1) / f.chunk_size, x.chunks_sent)))"
                     " FROM transfers x LEFT JOIN firmware f ON f.fw_id = x.fw_id GROUP BY x.gateway",
                     [&](const Statement& s) {
                         t.links[s.text(0)] = StoreTotals::Link{count(s, 1), count(s, 2), count(s, 3)};
                     });
    if (!st) return st.error().with_context("metrics totals");
    return t;
}

}  // namespace fleetcast::manager
