#pragma once
// The gateway's durable state in SQLite (DIR/gateway.db): schedules, the
// per-device job table and the devices seen on the site. Every change is
// written here before the gateway acts on it or reports it.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/messages.hpp"
#include "common/sqlite_db.hpp"

namespace fleetcast::gateway {

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
    // operator suspended the transfer. Stored in job_attempts.
    std::uint32_t attempts = 0;
    bool suspended = false;
    // Ids of the last defer/cancel requests applied: a redelivered one (QoS 1)
    // has no second effect. Bounded (kMaxAppliedRequests).
    std::vector<std::string> applied_requests;
    // "operator" or "panel" while a cancel waits for the device's answer.
    std::string cancel_pending;
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

private:
    explicit GatewayStore(std::unique_ptr<Database> db) : db_(std::move(db)) {}
    Status migrate();
    Status insert_job(const JobRow& job, bool replace);
    // gateway_store_attempts.cpp: the job_attempts table (R17, suspend)
    Status migrate_attempts();
    Status save_attempts(const JobRow& job);
    Status load_attempts(std::vector<JobRow>& jobs);
    std::unique_ptr<Database> db_;
};

}  // namespace fleetcast::gateway
