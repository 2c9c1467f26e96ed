// R27: what the manager compares with a gateway's digest report.
#include "manager/manager_store.hpp"

namespace fleetcast::manager {

namespace {
std::string open_state_list() {
    std::string out;
    for (auto st : {JobState::Waiting, JobState::Fetching, JobState::Requesting, JobState::Transferring,
                    JobState::Installing, JobState::Restarting})
        out += std::string(out.empty() ? "'" : ", '") + std::string(to_string(st)) + "'";
    return out;
}
// Issue 16 item 2: target `alias` is in an open wave (or its campaign has no waves): its gateway knows it.
std::string released(const char* alias) {
    const std::string a(alias);
    return "NOT EXISTS (SELECT 1 FROM target_waves w JOIN campaign_waves cw ON cw.campaign = w.campaign"
           " WHERE w.campaign = " +
           a + ".campaign AND w.device = " + a + ".device AND w.wave > cw.open_wave)";
}
}  // namespace

Expected<std::vector<JobStateRow>> ManagerStore::target_states(const std::string& campaign,
                                                               const std::string& gateway) {
    // Only what the gateway was sent: the targets of open waves.
    auto stmt = db_->prepare("SELECT t.device, t.state FROM targets t WHERE t.campaign = ?1 AND t.gateway = ?2 AND " +
                             released("t"));
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(campaign)).bind(2, std::string_view(gateway));
    std::vector<JobStateRow> out;
    while (true) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (!*row) break;
        auto state = job_state_from_string(stmt->text(1));
        if (!state)
            return make_error("db", "target " + stmt->text(0) + " of " + campaign + ": " + state.error().message);
        out.emplace_back(stmt->text(0), *state);
    }
    return out;
}

Expected<std::set<std::string>> ManagerStore::campaigns_open_on(const std::string& gateway) {
    // Per running campaign, two EXISTS that stop at their first row (issue 20:
    // a DISTINCT over every open target ran the released() test per target,
    // ~100,000 times for each schedule of a large site echoed back to us).
    auto stmt = db_->prepare(
        "SELECT c.id FROM campaigns c WHERE c.state IN (?1, ?3)"
        " AND EXISTS (SELECT 1 FROM targets t WHERE t.campaign = c.id AND t.gateway = ?2 AND t.state IN (" +
        open_state_list() +
        "))"
        // Issue 16 item 2: the gateway holds a schedule once one of its targets is in an open wave.
        " AND EXISTS (SELECT 1 FROM targets r WHERE r.campaign = c.id AND r.gateway = ?2 AND " +
        released("r") + ")");
    if (!stmt) return stmt.error();
    // A paused campaign is still held by its gateways (issue 16); a canceled one is not restored.
    stmt->bind(1, kCampaignActive).bind(2, std::string_view(gateway)).bind(3, kCampaignPaused);
    std::set<std::string> out;
    while (true) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (!*row) break;
        out.insert(stmt->text(0));
    }
    return out;
}

}  // namespace fleetcast::manager
