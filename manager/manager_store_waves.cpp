// A campaign's waves (issue 16 item 2, schema 8): the plan as JSON
// (common/wave_plan.hpp), the seed, each wave's cumulative size, the newest
// open wave and when it met its success share; each target's wave.
#include <sstream>

#include "common/json.hpp"
#include "manager/manager_store.hpp"
#include "manager/store_rows.hpp"

namespace fleetcast::manager {

namespace {
std::string counts_text(const std::vector<std::uint64_t>& counts) {
    std::string out;
    for (auto n : counts) out += (out.empty() ? "" : ",") + std::to_string(n);
    return out;
}

std::vector<std::uint64_t> counts_from_text(const std::string& text) {
    std::vector<std::uint64_t> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!item.empty()) out.push_back(std::stoull(item));
    return out;
}

// The devices of ?1's waves above its open one: not in any schedule yet.
constexpr const char* kUnreleasedDevices =
    "device IN (SELECT w.device FROM target_waves w JOIN campaign_waves cw ON cw.campaign = w.campaign"
    " WHERE w.campaign = ?1 AND w.wave > cw.open_wave)";
}  // namespace

Status ManagerStore::write_waves(const CampaignRecord& c, const std::vector<TargetRecord>& targets) {
    if (!c.waves) return ok_status();
    const auto& w = *c.waves;
    auto plan = Json::object();
    to_json(plan.get(), w.plan);
    auto s = db_->prepare(
        "INSERT INTO campaign_waves (campaign, plan, seed, counts, open_wave, success_met_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!s) return s.error();
    std::optional<std::string> met;
    if (w.success_met_at) met = format_time(*w.success_met_at);
    auto st = s->bind(1, c.id)
                  .bind(2, plan.dump())
                  .bind(3, w.seed)
                  .bind(4, counts_text(w.counts))
                  .bind(5, static_cast<std::int64_t>(w.open))
                  .bind(6, met)
                  .run();
    if (!st) return st;
    auto row = db_->prepare("INSERT INTO target_waves (campaign, device, wave) VALUES (?1, ?2, ?3)");
    if (!row) return row.error();
    for (const auto& t : targets) {
        if (t.wave == 0) return make_error("internal", "target " + t.device + " of " + c.id + " has no wave");
        row->reset();
        st = row->bind(1, c.id).bind(2, t.device).bind(3, static_cast<std::int64_t>(t.wave)).run();
        if (!st) return st;
    }
    return ok_status();
}

Status ManagerStore::fill_waves(CampaignRecord& c) {
    auto s =
        db_->prepare("SELECT plan, seed, counts, open_wave, success_met_at FROM campaign_waves WHERE campaign = ?1");
    if (!s) return s.error();
    s->bind(1, c.id);
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return ok_status();  // no waves
    auto j = Json::parse(s->text(0));
    if (!j) return make_error("db", "waves of campaign " + c.id + ": " + j.error().message);
    auto plan = wave_plan_from_json(j->get());
    if (!plan) return make_error("db", "waves of campaign " + c.id + ": " + plan.error().message);
    CampaignWaves w;
    w.plan = *plan;
    w.seed = s->text(1);
    try {
        w.counts = counts_from_text(s->text(2));
    } catch (const std::exception&) {
        return make_error("db", "waves of campaign " + c.id + ": bad counts '" + s->text(2) + "'");
    }
    w.open = static_cast<std::uint32_t>(s->int64(3));
    if (!s->is_null(4)) {
        auto t = parse_time(s->text(4));
        if (!t) return make_error("db", "waves of campaign " + c.id + ": bad success_met_at");
        w.success_met_at = *t;
    }
    if (w.counts.empty() || w.open == 0 || w.open > w.total())
        return make_error("db", "waves of campaign " + c.id + ": open wave " + std::to_string(w.open) + " of " +
                                    std::to_string(w.counts.size()));
    c.waves = std::move(w);
    return ok_status();
}

namespace {
// Rows of (wave, state, count) into tallies.
Status add_tally_rows(Statement& s, std::map<std::uint32_t, ManagerStore::WaveTally>& out) {
    while (true) {
        auto row = s.step();
        if (!row) return row.error();
        if (!*row) return ok_status();
        auto& t = out[static_cast<std::uint32_t>(s.int64(0))];
        const auto n = static_cast<std::uint64_t>(s.int64(2));
        auto state = job_state_from_string(s.text(1));
        t.targets += n;
        if (state && *state == JobState::Completed) t.completed += n;
        if (!state || is_terminal(*state)) t.ended += n;
    }
}
constexpr const char* kTallySql =
    "SELECT w.wave, t.state, COUNT(*) FROM target_waves w JOIN targets t"
    " ON t.campaign = w.campaign AND t.device = w.device WHERE w.campaign = ?1";
}  // namespace

Expected<ManagerStore::WaveTally> ManagerStore::wave_tally(const std::string& campaign, std::uint32_t wave) {
    // One wave through the (campaign, wave) index: checked every second, a large campaign is not scanned.
    auto s = db_->prepare(std::string(kTallySql) + " AND w.wave = ?2 GROUP BY w.wave, t.state");
    if (!s) return s.error();
    s->bind(1, campaign).bind(2, static_cast<std::int64_t>(wave));
    std::map<std::uint32_t, WaveTally> out;
    auto st = add_tally_rows(*s, out);
    if (!st) return st.error();
    return out[wave];
}

Expected<std::map<std::uint32_t, ManagerStore::WaveTally>> ManagerStore::wave_tallies(const std::string& campaign) {
    auto s = db_->prepare(std::string(kTallySql) + " GROUP BY w.wave, t.state");
    if (!s) return s.error();
    s->bind(1, campaign);
    std::map<std::uint32_t, WaveTally> out;
    auto st = add_tally_rows(*s, out);
    if (!st) return st.error();
    return out;
}

Expected<std::map<std::string, std::uint32_t>> ManagerStore::target_waves(const std::string& campaign) {
    auto s = db_->prepare("SELECT device, wave FROM target_waves WHERE campaign = ?1");
    if (!s) return s.error();
    s->bind(1, campaign);
    std::map<std::string, std::uint32_t> out;
    auto st = each_row(*s, [&](const Statement& r) { out[r.text(0)] = static_cast<std::uint32_t>(r.int64(1)); });
    if (!st) return st.error();
    return out;
}

Expected<std::set<std::string>> ManagerStore::unreleased_devices(const std::string& campaign,
                                                                 const std::optional<std::string>& gateway) {
    auto s = db_->prepare(
        "SELECT w.device FROM target_waves w JOIN campaign_waves cw ON cw.campaign = w.campaign"
        " JOIN targets t ON t.campaign = w.campaign AND t.device = w.device"
        " WHERE w.campaign = ?1 AND w.wave > cw.open_wave AND (?2 IS NULL OR t.gateway = ?2)");
    if (!s) return s.error();
    s->bind(1, campaign).bind(2, gateway);
    std::set<std::string> out;
    auto st = each_row(*s, [&](const Statement& r) { out.insert(r.text(0)); });
    if (!st) return st.error();
    return out;
}

Expected<std::vector<std::string>> ManagerStore::wave_gateways(const std::string& campaign, std::uint32_t wave) {
    auto s = db_->prepare(
        "SELECT DISTINCT t.gateway FROM target_waves w JOIN targets t ON t.campaign = w.campaign AND t.device = "
        "w.device"
        " WHERE w.campaign = ?1 AND w.wave = ?2 ORDER BY t.gateway");
    if (!s) return s.error();
    s->bind(1, campaign).bind(2, static_cast<std::int64_t>(wave));
    return collect<std::string>(std::move(s), [](const Statement& r) { return r.text(0); });
}

Status ManagerStore::set_wave_success_met(const std::string& campaign, TimePoint at) {
    auto s = db_->prepare("UPDATE campaign_waves SET success_met_at = ?2 WHERE campaign = ?1");
    if (!s) return s.error();
    return s->bind(1, campaign).bind(2, format_time(at)).run();
}

Status ManagerStore::open_wave(const std::string& campaign, std::uint32_t wave) {
    auto s = db_->prepare("UPDATE campaign_waves SET open_wave = ?2, success_met_at = NULL WHERE campaign = ?1");
    if (!s) return s.error();
    return s->bind(1, campaign).bind(2, static_cast<std::int64_t>(wave)).run();
}

Expected<std::uint64_t> ManagerStore::end_unreleased(const std::string& campaign, JobState state,
                                                     const std::string& detail, TimePoint at) {
    return end_waiting_where(campaign, kUnreleasedDevices, state, detail, at);
}

}  // namespace fleetcast::manager
