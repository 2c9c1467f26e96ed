#pragma once
// The gateway's durable state in SQLite (DIR/gateway.db): schedules, the
// per-device job table and the devices seen on the site. Every change is
// written here before the gateway acts on it or reports it.
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/messages.hpp"
#include "common/sqlite_db.hpp"

namespace fleetcast::gateway {

// Every step of gateway.db's schema, oldest first (gateway/gateway_schema.cpp).
const std::vector<Migration>& gateway_migrations();

// One row of the per-device update table (Figs. 31-32 of the patent).
struct JobRow {
    std::string campaign;
    std::string device;
    std::string model;
    std::vector<std::string> fw_ids;
    bool necessary = true;  // "update necessity": NO after a cancel
    TimePoint update_at{};
    JobState state = JobState::Waiting;
    std::string comment;  // error detail or remark
    std::uint32_t progress = 0;
    std::optional<TimePoint> started_at;
    std::optional<TimePoint> ended_at;
    Versions firmware;  // versions reported at power-on
    // R17: failed attempts so far (a retry is due at update_at), and R19: an
    // operator suspended the transfer. Stored in job_attempts; only the
    // transition table (job_machine.cpp, through JobTable) changes them.
    std::uint32_t attempts = 0;
    bool suspended = false;
    // Issue 16: the job's campaign is paused (a hold beside `suspended`,
    // stored in job_attempts too, reported as suspended).
    bool paused = false;
    // What lets a power_on complete the job (topics.md flow step 7): the
    // device reported installing/restarting since it last answered ready
    // (install_seen, kept when an attempt is given up on for want of a
    // power_on), or its boot count moved past the one of that ready. Stored
    // in job_install.
    bool install_seen = false;
    std::optional<std::uint64_t> ready_boot_count;
    // Ids of the last defer/cancel requests applied: a redelivered one (QoS 1)
    // has no second effect. Bounded (kMaxAppliedRequests).
    std::vector<std::string> applied_requests;
    // "operator" or "panel" while a cancel waits for the device's answer
    // (the table's cancel-pending hold).
    std::string cancel_pending;
    // The job's timers (job_machine.cpp says which state holds which),
    // stored in job_timers so a restart keeps them: the offer is to be sent
    // again, the device's answer to it is due, the device has been
    // installing/restarting since (its power-on report is due within the
    // campaign's power_on_timeout from then).
    bool offer_pending = false;
    std::optional<TimePoint> answer_due;
    std::optional<TimePoint> power_on_since;
};
inline constexpr std::size_t kMaxAppliedRequests = 16;

class GatewayStore {
   public:
    static Expected<std::unique_ptr<GatewayStore>> open(const std::filesystem::path& db_path);

    // In one transaction: stores (or replaces) the schedule and inserts the
    // given job rows unless a row for (campaign, device) already exists, so
    // a redelivered schedule never resets progress.
    Status add_schedule(const Schedule& schedule, const std::vector<JobRow>& new_jobs);
    Status remove_schedule(const std::string& campaign);
    Expected<std::vector<Schedule>> load_schedules();

    Status save_job(const JobRow& job);
    // Several rows in one transaction (one commit).
    Status save_jobs(const std::vector<const JobRow*>& jobs);
    Expected<std::vector<JobRow>> load_jobs();

    Status save_device(const DeviceState& device);
    Expected<std::vector<DeviceState>> load_devices();

    // gateway_store_fanouts.cpp: per (campaign, fw_id), the first chunk of
    // its fan-out the broker has not acknowledged (FanoutSender marks).
    using FanoutMarks = std::map<std::pair<std::string, std::string>, std::uint32_t>;
    Status save_fanout_marks(const FanoutMarks& marks);  // one transaction
    Expected<FanoutMarks> load_fanout_marks();
    Status clear_fanout_marks();  // the broker lost what it held

    // gateway_store_holds.cpp (issue 16): the campaign-level command last
    // applied per campaign, stored before it is acted on.
    struct CampaignHold {
        CampaignAction action = CampaignAction::Pause;
        std::string request_id;
        std::string reason;
        TimePoint at{};
    };
    Status save_campaign_hold(const std::string& campaign, const CampaignHold& hold);
    Expected<std::map<std::string, CampaignHold>> load_campaign_holds();
    // gateway_store_window.cpp (issue 16 item 5): the maintenance window.
    Status save_window(const WindowMsg& w);
    Status clear_window();
    Expected<std::optional<WindowMsg>> load_window();

   private:
    explicit GatewayStore(std::unique_ptr<Database> db) : db_(std::move(db)) {}
    Status migrate();
    Status insert_job(const JobRow& job, bool replace);
    Status write_job(const JobRow& job);  // the row and its side tables
    // gateway_store_attempts.cpp: the job_attempts table (R17, suspend)
    Status save_attempts(const JobRow& job);
    Status load_attempts(std::vector<JobRow>& jobs);
    // gateway_store_timers.cpp: the job_timers table and the schema version
    Status save_timers(const JobRow& job);
    Status load_timers(std::vector<JobRow>& jobs);
    Status save_install(const JobRow& job);
    Status load_install(std::vector<JobRow>& jobs);
    std::unique_ptr<Database> db_;
};

}  // namespace fleetcast::gateway
