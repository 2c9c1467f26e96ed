#pragma once
// The per-device job table in memory, backed by GatewayStore. Every change
// goes through apply()/set_progress(): the transition table decides, the row
// is written to SQLite, then the change is reported to the manager.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/transport.hpp"
#include "gateway/gateway_store.hpp"
#include "gateway/job_machine.hpp"

namespace fleetcast::gateway {

using JobKey = std::pair<std::string, std::string>;  // campaign, device

class JobTable {
public:
    JobTable(GatewayStore& store, Transport& transport, std::string gateway);

    Status load();
    JobRow* find(const std::string& campaign, const std::string& device);
    std::map<JobKey, JobRow>& rows() { return rows_; }

    // Rows of `schedule` that the table does not hold yet (all Waiting).
    std::vector<JobRow> new_rows(const Schedule& schedule) const;
    // Adds rows already written by GatewayStore::add_schedule and reports them.
    void adopt(const std::vector<JobRow>& rows);
    void forget_campaign(const std::string& campaign);

    // Runs one event through the state machine. false when the event does not
    // apply in the job's state or the row could not be stored (then nothing
    // changed). A self-transition is accepted but neither stored nor reported.
    bool apply(JobRow& job, JobEvent event, TimePoint now, const std::string& detail = {},
               const Versions* firmware = nullptr);
    // Like apply(), and also sets the update time; stored and reported even
    // when the state stays (a postponed Waiting job, a deferring device).
    bool apply_at(JobRow& job, JobEvent event, TimePoint now, TimePoint update_at, const std::string& detail);
    // Stores a row changed outside the state machine (request ids, a pending
    // cancel, a comment); false (and the row restored) when it fails.
    bool save(JobRow& job, const JobRow& before);
    // Records device progress; stored and reported once per 10 % step, in
    // the next flush_progress().
    void set_progress(JobRow& job, std::uint32_t percent);
    // Stores every pending progress step in ONE transaction, then reports
    // them: a fleet's progress events cost one commit per loop turn, not one
    // each (each commit is an fsync).
    void flush_progress();

private:
    // apply() and apply_at(): the one path of a state change.
    bool transition(JobRow& job, JobEvent event, TimePoint now, std::optional<TimePoint> update_at,
                    const std::string& detail, const Versions* firmware);
    bool store_and_report(JobRow& job, const JobRow& before);
    void report(const JobRow& job);
    GatewayStore& store_;
    Transport& transport_;
    std::string gateway_;
    std::map<JobKey, JobRow> rows_;
    std::set<JobKey> progress_pending_;
};

}  // namespace fleetcast::gateway
