#pragma once
// The manager's durable state: one SQLite database (WAL) with a versioned
// schema. Every change the manager acts on or answers is written here first.
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "common/job_digest.hpp"
#include "common/operator_audit.hpp"
#include "common/sqlite_db.hpp"
#include "manager/failure_evaluation.hpp"
#include "manager/manager_records.hpp"

namespace fleetcast::manager {

inline constexpr int kSchemaVersion = 12;

// What the metrics endpoint reads from the database (manager_store_metrics.cpp):
// small tables whole, large ones only as GROUP BY counts.
struct StoreTotals {
    std::vector<CampaignRecord> campaigns;          // id, state and update_at only
    std::map<std::string, std::uint64_t> devices;   // by reported status
    std::map<std::string, std::uint64_t> gateways;  // by reported status
    struct Link {
        std::uint64_t chunks = 0, bytes = 0, resent_chunks = 0;
    };
    std::map<std::string, Link> links;  // per gateway: what the manager served it (table transfers)
};

class ManagerStore {
   public:
    static Expected<std::unique_ptr<ManagerStore>> open(const std::filesystem::path& db_path);

    // Several changes as one: fn returns Status; rolled back when it fails.
    template <typename Fn>
    Status transaction(Fn&& fn) {
        return db_->transaction(std::forward<Fn>(fn));
    }

    // firmware
    Expected<std::optional<FirmwareRecord>> find_firmware(const std::string& fw_id);
    Expected<std::vector<FirmwareRecord>> list_firmware();
    Status insert_firmware(const FirmwareRecord& r);
    // Per fw_id: the campaigns whose targets use it (oldest first).
    Expected<std::map<std::string, std::vector<FirmwareUse>>> firmware_uses();
    Status delete_firmware(const std::string& fw_id);

    // devices; an empty firmware map keeps the stored versions (offline LWT)
    Status upsert_device(const DeviceRecord& r);
    Expected<std::optional<DeviceRecord>> find_device(const std::string& id);
    Expected<std::vector<DeviceRecord>> list_devices();

    // gateways
    Status upsert_gateway(const GatewayRecord& r);
    Expected<std::vector<GatewayRecord>> list_gateways();

    // campaigns and their targets; a campaign is written in one transaction
    // `skipped`: devices left out, with the reason (Fig. 21), stored with it.
    Status insert_campaign(const CampaignRecord& c, const std::vector<TargetRecord>& targets,
                           const std::vector<std::pair<std::string, std::string>>& skipped = {});
    Expected<std::optional<CampaignRecord>> find_campaign(const std::string& id);
    Expected<std::vector<CampaignRecord>> campaigns_in_state(std::string_view state);
    // Campaigns in any of `states`, oldest first.
    Expected<std::vector<CampaignRecord>> campaigns_in_states(const std::vector<std::string_view>& states);
    Status set_campaign_state(const std::string& id, std::string_view state);
    Expected<std::vector<TargetRecord>> targets(const std::string& campaign);
    // One page of targets, in the order of targets(); and the count of targets per job state.
    Expected<std::vector<TargetRecord>> targets_page(const std::string& campaign, std::uint64_t offset,
                                                     std::uint64_t limit);
    Expected<std::map<JobState, std::uint64_t>> target_state_counts(const std::string& campaign);
    // Per gateway: targets, those whose job ended, and the sum of their
    // progress (an ended job counts 100): `campaign watch` without the rows.
    struct GatewayProgress {
        std::uint64_t total = 0, ended = 0, progress_sum = 0;
    };
    Expected<std::map<std::string, GatewayProgress>> target_progress_by_gateway(const std::string& campaign);
    // Targets whose job has not ended, of the campaign or of one of its
    // gateways (an index range, not a scan of every target).
    Expected<std::uint64_t> open_targets(const std::string& campaign, const std::optional<std::string>& gateway);
    Expected<std::optional<TargetRecord>> find_target(const std::string& campaign, const std::string& device);
    Status update_target(const TargetRecord& t);

    // chunks served per (gateway, firmware)
    using TransferKey = std::pair<std::string, std::string>;  // gateway, fw_id
    Status add_transfers(const std::map<TransferKey, TransferRecord>& deltas);
    // Issue 17 item 7: every artifact sent to the campaign's gateways, and the
    // images (fw ids) its targets install.
    Expected<std::vector<TransferRecord>> campaign_transfers(const std::string& campaign);
    Expected<std::set<std::string>> campaign_images(const std::string& campaign);
    Expected<TransferRecord> transfer(const std::string& gateway, const std::string& fw_id);

    // what each gateway reported about its cache
    Status upsert_cache(const std::string& gateway, const std::string& fw_id, const std::string& state,
                        std::uint64_t bytes, TimePoint at);

    // Push mode: an image goes to a gateway once, unless it already has it.
    Expected<bool> cached_or_pushed(const std::string& gateway, const std::string& fw_id);
    Status record_push(const std::string& gateway, const std::string& fw_id, const std::string& campaign, TimePoint at);

    // latest measured rate per link (device empty: the manager->gateway link)
    Status upsert_rate(const LinkRateRecord& r);
    Expected<std::vector<LinkRateRecord>> list_rates();

    // manager_store_campaign.cpp: tables of issue 5 (created if missing):
    // the retry policy per campaign and the devices left out at creation (Fig. 21).
    Status insert_campaign_extras(const CampaignRecord& c,
                                  const std::vector<std::pair<std::string, std::string>>& skipped);
    Expected<std::vector<std::pair<std::string, std::string>>> skipped(const std::string& campaign);  // device, reason

    // R12-R14 extras, in their own tables (created if missing, whatever the schema version):
    // the per-target update time as last reported by the gateway (moved by
    // busy/defer), and the device's deferment parameter (Fig. 36).
    Status set_target_update_at(const std::string& campaign, const std::string& device, TimePoint at);
    Expected<std::map<std::string, TimePoint>> target_update_times(const std::string& campaign);
    // One target's own update time, when busy/defer moved it (one primary-key lookup).
    Expected<std::optional<TimePoint>> target_update_at(const std::string& campaign, const std::string& device);
    Status set_deferment(const std::string& device, const DefermentParam& p);
    Expected<std::map<std::string, DefermentParam>> deferments();
    Expected<std::optional<DefermentParam>> deferment(const std::string& device);

    // manager_store_reconcile.cpp (R27): the (device, state) rows of one
    // campaign on one gateway, and the active campaigns with open targets there.
    // Issue 16 item 2: only what the gateway was sent counts: the rows are its
    // targets of open waves, and a campaign counts once one of those is there.
    Expected<std::vector<JobStateRow>> target_states(const std::string& campaign, const std::string& gateway);
    Expected<std::set<std::string>> campaigns_open_on(const std::string& gateway);

    // manager_store_control.cpp (issue 16): a campaign-level command. In one
    // transaction: the campaign's new state, the command, and one unconfirmed
    // row per gateway it is sent to (replacing the previous command's).
    Status save_campaign_command(const CampaignCommandRecord& c, std::string_view state,
                                 const std::vector<std::string>& gateways);
    Expected<std::optional<CampaignCommandRecord>> campaign_command(const std::string& campaign);
    Expected<std::vector<CommandGatewayRecord>> command_gateways(const std::string& campaign);
    // Marks the gateway's row confirmed when it names the command's request
    // id; false when it does not (a stale or duplicate acknowledgement).
    Expected<bool> confirm_campaign_command(const std::string& campaign, const std::string& gateway,
                                            const std::string& request_id, TimePoint at);
    // The commands `gateway` has not confirmed yet (sent again when it comes back).
    Expected<std::vector<CampaignCommandRecord>> unconfirmed_commands_on(const std::string& gateway);
    // The gateways that hold targets of the campaign.
    Expected<std::vector<std::string>> campaign_gateways(const std::string& campaign);

    // manager_store_threshold.cpp (issue 16 item 3, schema 7): the failure
    // threshold is written with the campaign (insert_campaign_extras) and
    // read into CampaignRecord::failure_threshold; what it had counted at the
    // campaign's last resume (zero before any).
    Expected<FailureCounts> counted_at_resume(const std::string& campaign);
    Status set_counted_at_resume(const std::string& campaign, const FailureCounts& c);

    // manager_store_windows.cpp (issue 16 item 5, schema 9): each gateway's
    // maintenance window as the operator set it (the message sent to it).
    Status set_gateway_window(const WindowMsg& w);
    Status clear_gateway_window(const std::string& gateway);
    Expected<std::map<std::string, WindowMsg>> gateway_windows();

    // The audit log (issue 19 item 3, schema 10; manager_store_audit.cpp):
    // append-only. append_audit ignores e.seq (the table numbers the rows).
    Status append_audit(const AuditEntry& e);
    // Oldest first: entries at or after `since`, with seq above `after`, at most `limit`.
    Expected<std::vector<AuditEntry>> audit_entries(const AuditArgs& query, std::uint64_t limit);

    // manager_store_waves.cpp (issue 16 item 2, schema 8): the waves are
    // written with the campaign (insert_campaign, from CampaignRecord::waves
    // and TargetRecord::wave) and read into CampaignRecord::waves.
    struct WaveTally {
        std::uint64_t targets = 0, completed = 0, ended = 0;
    };
    // The targets of one wave: how many, how many COMPLETED, how many ended.
    Expected<WaveTally> wave_tally(const std::string& campaign, std::uint32_t wave);
    // Every wave's tally, by wave (results).
    Expected<std::map<std::uint32_t, WaveTally>> wave_tallies(const std::string& campaign);
    // device -> wave
    Expected<std::map<std::string, std::uint32_t>> target_waves(const std::string& campaign);
    // Devices of waves not open yet (of one gateway, or all): left out of the schedules.
    Expected<std::set<std::string>> unreleased_devices(const std::string& campaign,
                                                       const std::optional<std::string>& gateway);
    // The gateways with targets in `wave`.
    Expected<std::vector<std::string>> wave_gateways(const std::string& campaign, std::uint32_t wave);
    // The open wave met its success share at `at` (its soak starts).
    Status set_wave_success_met(const std::string& campaign, TimePoint at);
    // Opens `wave` (its soak not started).
    Status open_wave(const std::string& campaign, std::uint32_t wave);
    // Targets of waves not opened yet, still waiting, end in `state` with `detail` (a canceled campaign).
    Expected<std::uint64_t> end_unreleased(const std::string& campaign, JobState state, const std::string& detail,
                                           TimePoint at);

    // manager_store_encodings.cpp (issue 17 follow-up, schema 12): deltas and
    // compressed images given up (kept: never tried again).
    Status insert_given_up(const GivenUpEncoding& g);
    Expected<std::vector<GivenUpEncoding>> given_up_encodings();
    // Every target of `campaign` still waiting ends in `state` with `detail`
    // (a campaign canceled before its schedules went out); how many.
    Expected<std::uint64_t> end_waiting_targets(const std::string& campaign, JobState state, const std::string& detail,
                                                TimePoint at);

    // manager_store_metrics.cpp: the totals the metrics endpoint serves.
    Expected<StoreTotals> metrics_totals();

   private:
    // The waiting targets of `campaign` (and `and_where`, an SQL condition, when
    // not empty) end in `state` with `detail`, in one transaction; how many.
    Expected<std::uint64_t> end_waiting_where(const std::string& campaign, std::string_view and_where, JobState state,
                                              const std::string& detail, TimePoint at);

    // manager_store_limits.cpp (issue 16 item 4, schema 9): written with the
    // campaign, read into CampaignRecord::limits and gateway_limits.
    Status write_rate_limits(const CampaignRecord& c);
    Status fill_rate_limits(CampaignRecord& c);
    Status write_waves(const CampaignRecord& c, const std::vector<TargetRecord>& targets);
    Status fill_waves(CampaignRecord& c);
    Status write_failure_threshold(const CampaignRecord& c);
    Status fill_failure_threshold(CampaignRecord& c);
    Status fill_retry(std::vector<CampaignRecord>& campaigns);
    explicit ManagerStore(std::unique_ptr<Database> db) : db_(std::move(db)) {}
    Status write_target(const TargetRecord& t, bool insert);
    std::unique_ptr<Database> db_;
};

// Versions map <-> the JSON object stored in a column.
std::string versions_to_json(const Versions& v);
Versions versions_from_json(const std::string& text);

}  // namespace fleetcast::manager
