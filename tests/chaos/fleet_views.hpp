#pragma once
// The three views of one campaign the chaos run compares once it settled:
// the manager's (`fleetcast results --json`, `fleetcast devices --json`), the
// gateway's (its gateway.db) and each simulated device's own (its state file
// and slot files). Readers only: they never fail the test themselves.
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "common/json.hpp"
#include "common/messages.hpp"
#include "tests/integration/fleet.hpp"

namespace fleetcast::testing::chaos {

template <typename T, typename D>
T or_default(Expected<T> e, D fallback) {
    return e ? std::move(*e) : T(fallback);
}

// `fleetcast ARGS --json`, parsed; nullopt when the CLI failed (manager down...).
std::optional<Json> query(Fleet& fleet, const std::vector<std::string>& args);

struct ManagerRow {
    std::string gateway, model, state, result, detail, error;
    Versions old_versions, new_versions;
    std::vector<std::string> fw_ids;
};
struct CampaignResults {
    std::uint64_t pending = 0, total = 0;
    std::map<std::string, ManagerRow> devices;
};
std::optional<CampaignResults> manager_results(Fleet& fleet, const std::string& campaign);
// device -> firmware as the manager last heard it.
std::optional<std::map<std::string, Versions>> manager_devices(Fleet& fleet);

// gateway.db: device -> job state of `campaign` (none once the gateway dropped
// the ended campaign, after the manager cleared its schedule).
std::map<std::string, std::string> gateway_jobs(const std::filesystem::path& gateway_db, const std::string& campaign);
bool gateway_has_schedule(const std::filesystem::path& gateway_db, const std::string& campaign);
// Each device's last job state in the campaign, from the gateway's own log
// (`job_changed` lines; every run of the gateway appends to it). Unlike an
// observer's record of the job reports, it misses nothing while the broker is down.
std::map<std::string, std::string> gateway_logged_jobs(const std::filesystem::path& gateway_log,
                                                       const std::string& campaign);

struct DeviceView {
    bool parses = false;
    std::string error;                                // why not, or why a slot does not verify
    Versions booted;                                  // component -> version of the active slot
    std::map<std::string, std::string> slot_sha256;   // component -> SHA-256 of the active slot's file
    std::map<std::string, std::string> state_sha256;  // component -> SHA-256 the state file records
    bool update_in_progress = false, trial_pending = false;
};
DeviceView device_view(const std::filesystem::path& device_dir);

}  // namespace fleetcast::testing::chaos
