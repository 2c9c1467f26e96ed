// The campaign's failure threshold (issue 16 item 3, schema 7): stored as the
// JSON of common/failure_threshold.hpp, with what it had counted at the last
// resume of the campaign.
#include "common/json.hpp"
#include "manager/manager_store.hpp"

namespace fleetcast::manager {

Status ManagerStore::write_failure_threshold(const CampaignRecord& c) {
    if (!c.failure_threshold) return ok_status();
    auto j = Json::object();
    to_json(j.get(), *c.failure_threshold);
    auto s = db_->prepare(
        "INSERT OR REPLACE INTO campaign_failure_thresholds (campaign, threshold, counted_ended, counted_failed)"
        " VALUES (?1, ?2, 0, 0)");
    if (!s) return s.error();
    return s->bind(1, c.id).bind(2, j.dump()).run();
}

Status ManagerStore::fill_failure_threshold(CampaignRecord& c) {
    auto s = db_->prepare("SELECT threshold FROM campaign_failure_thresholds WHERE campaign = ?1");
    if (!s) return s.error();
    s->bind(1, c.id);
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return ok_status();  // no threshold
    auto j = Json::parse(s->text(0));
    if (!j) return make_error("db", "failure threshold of campaign " + c.id + ": " + j.error().message);
    auto t = failure_threshold_from_json(j->get());
    if (!t) return make_error("db", "failure threshold of campaign " + c.id + ": " + t.error().message);
    c.failure_threshold = *t;
    return ok_status();
}

Expected<FailureCounts> ManagerStore::counted_at_resume(const std::string& campaign) {
    auto s = db_->prepare("SELECT counted_ended, counted_failed FROM campaign_failure_thresholds WHERE campaign = ?1");
    if (!s) return s.error();
    s->bind(1, campaign);
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return FailureCounts{};
    return FailureCounts{static_cast<std::uint64_t>(s->int64(0)), static_cast<std::uint64_t>(s->int64(1))};
}

Status ManagerStore::set_counted_at_resume(const std::string& campaign, const FailureCounts& c) {
    auto s = db_->prepare(
        "UPDATE campaign_failure_thresholds SET counted_ended = ?2, counted_failed = ?3 WHERE campaign = ?1");
    if (!s) return s.error();
    return s->bind(1, campaign)
        .bind(2, static_cast<std::int64_t>(c.ended))
        .bind(3, static_cast<std::int64_t>(c.failed))
        .run();
}

}  // namespace fleetcast::manager
