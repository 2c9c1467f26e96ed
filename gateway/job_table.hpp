#pragma once
// The per-device job table in memory, backed by GatewayStore. Every change
// goes through apply()/set_progress(): the transition table decides (state,
// holds, timers), the row is written to SQLite, the change is reported to the
// manager, then what leaving the state undoes is run once (exit_actions()).
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/transport.hpp"
#include "gateway/fanout_plans.hpp"
#include "gateway/fanout_sender.hpp"
#include "gateway/gateway_store.hpp"
#include "gateway/job_machine.hpp"

namespace fleetcast::gateway {

using JobKey = std::pair<std::string, std::string>;  // campaign, device

// What an event carries besides itself.
struct JobChange {
    std::string detail{};                  // the new comment (empty: kept)
    std::optional<TimePoint> update_at{};  // moves the update time (Deferred: when the device answers)
    const Versions* firmware = nullptr;    // BootedExpected, a failed boot: the versions it booted
    std::string cancel_by{};               // CancelRequested: "operator" or "panel"
};

class JobTable {
   public:
    // answer_timeout: how long after an offer the device's answer is due (R11).
    JobTable(GatewayStore& store, Transport& transport, std::string gateway, FanoutPlans& plans, FanoutSender& sender,
             Millis answer_timeout);

    Status load();
    JobRow* find(const std::string& campaign, const std::string& device);
    std::map<JobKey, JobRow>& rows() { return rows_; }

    // Rows of `schedule` that the table does not hold yet (all Waiting).
    std::vector<JobRow> new_rows(const Schedule& schedule) const;
    // Adds rows already written by GatewayStore::add_schedule and reports them.
    void adopt(const std::vector<JobRow>& rows);
    void forget_campaign(const std::string& campaign);

    // Runs one event through the state machine. false when the event does not
    // apply in the job's phase or the row could not be stored (then nothing
    // changed). A change of state, hold, update time or comment is stored and
    // reported; one of the timers alone is stored only; none at all (a
    // duplicate) neither. The exit actions run whenever the event applied.
    bool apply(JobRow& job, JobEvent event, TimePoint now, const JobChange& change = {});
    bool apply(JobRow& job, JobEvent event, TimePoint now, const std::string& detail,
               const Versions* firmware = nullptr);
    // Runs `event` on every row `pick` selects, stored in ONE transaction
    // (e.g. every transfer offered again after a restart). Returns how many applied.
    std::size_t apply_all(JobEvent event, TimePoint now, const std::function<bool(const JobRow&)>& pick);
    // Arms the power-on deadline of a row stored without one (an older
    // gateway.db): the device gets the whole timeout from now.
    void arm_power_on(JobRow& job, TimePoint now);
    // Stores a row changed outside the state machine (request ids, what
    // proves an install, a comment); false (and the row restored) when it fails.
    bool save(JobRow& job, const JobRow& before);
    // Records device progress; stored and reported once per 10 % step, in
    // the next flush_progress().
    void set_progress(JobRow& job, std::uint32_t percent);
    // Stores every pending progress step in ONE transaction, then reports
    // them: a fleet's progress events cost one commit per loop turn, not one
    // each (each commit is an fsync).
    void flush_progress();
    // Reports the row as it is (a resync from the manager, R27).
    void report(const JobRow& job);

   private:
    enum class Stored { Nothing, Quietly, Reported };  // what a step needs written
    // The event's change to the row in memory; nullopt when it does not apply.
    std::optional<Stored> step(JobRow& job, JobEvent event, TimePoint now, const JobChange& change);
    void set_timers(JobRow& job, JobEvent event, TimePoint now) const;
    void run_exit_actions(const JobRow& job, JobEvent event);
    bool store(JobRow& job, const JobRow& before);
    bool store_and_report(JobRow& job, const JobRow& before);
    void log_changed(const JobRow& job) const;
    GatewayStore& store_;
    Transport& transport_;
    std::string gateway_;
    FanoutPlans& plans_;
    FanoutSender& sender_;
    Millis answer_timeout_;
    std::map<JobKey, JobRow> rows_;
    std::set<JobKey> progress_pending_;
};

}  // namespace fleetcast::gateway
