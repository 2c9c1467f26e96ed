// The encodings_given_up table (issue 17 follow-up, schema 12), and the end
// of a campaign canceled before any gateway had its schedule.
#include "manager/manager_store.hpp"

namespace fleetcast::manager {

Status ManagerStore::insert_given_up(const GivenUpEncoding& g) {
    auto s = db_->prepare(
        "INSERT OR REPLACE INTO encodings_given_up (source_sha256, target_sha256, source_fw, source_version, "
        "target_fw, reason, bytes, image_bytes, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!s) return s.error();
    s->bind(1, g.source_sha256).bind(2, g.target_sha256).bind(3, g.source_fw).bind(4, g.source_version);
    s->bind(5, g.target_fw).bind(6, g.reason).bind(7, static_cast<std::int64_t>(g.bytes));
    return s->bind(8, static_cast<std::int64_t>(g.image_bytes)).bind(9, format_time(g.at)).run();
}

Expected<std::vector<GivenUpEncoding>> ManagerStore::given_up_encodings() {
    auto s = db_->prepare(
        "SELECT source_sha256, target_sha256, source_fw, source_version, target_fw, reason, bytes, image_bytes, at "
        "FROM encodings_given_up ORDER BY at, target_fw, source_fw");
    if (!s) return s.error();
    std::vector<GivenUpEncoding> out;
    while (true) {
        auto row = s->step();
        if (!row) return row.error();
        if (!*row) break;
        auto at = parse_time(s->text(8));
        out.push_back(GivenUpEncoding{s->text(0), s->text(1), s->text(2), s->text(3), s->text(4), s->text(5),
                                      static_cast<std::uint64_t>(s->int64(6)), static_cast<std::uint64_t>(s->int64(7)),
                                      at ? *at : TimePoint{}});
    }
    return out;
}

Expected<std::uint64_t> ManagerStore::end_waiting_targets(const std::string& campaign, JobState state,
                                                          const std::string& detail, TimePoint at) {
    return end_waiting_where(campaign, "", state, detail, at);
}

Expected<std::uint64_t> ManagerStore::end_waiting_where(const std::string& campaign, std::string_view and_where,
                                                        JobState state, const std::string& detail, TimePoint at) {
    std::string where =
        std::string(" WHERE campaign = ?1 AND state = '") + std::string(to_string(JobState::Waiting)) + "'";
    if (!and_where.empty()) where += " AND " + std::string(and_where);
    std::uint64_t n = 0;
    auto st = db_->transaction([&]() -> Status {
        auto count = db_->prepare("SELECT COUNT(*) FROM targets" + where);
        if (!count) return count.error();
        count->bind(1, campaign);
        auto row = count->step();
        if (!row) return row.error();
        n = *row ? static_cast<std::uint64_t>(count->int64(0)) : 0;
        if (n == 0) return ok_status();
        auto s = db_->prepare("UPDATE targets SET state = ?2, detail = ?3, ended_at = ?4" + where);
        if (!s) return s.error();
        return s->bind(1, campaign).bind(2, to_string(state)).bind(3, detail).bind(4, format_time(at)).run();
    });
    if (!st) return st.error();
    return n;
}

}  // namespace fleetcast::manager
