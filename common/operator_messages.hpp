#pragma once
// The operator API (topics.md "Operator request / response"): every op by
// name, its typed args, and the typed pieces of its answers, each with one
// encoder and one decoder. The manager decodes args and encodes answers with
// these; the CLI encodes args and decodes answers with the same functions.
// Durations are milliseconds everywhere (`*_ms`); ops have one name each.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/json.hpp"
#include "common/messages.hpp"

namespace fleetcast {

// ---- ops -------------------------------------------------------------------
enum class OperatorOp {
    FirmwareAdd,
    FirmwareList,
    DeviceList,
    GatewayList,
    RateList,
    CampaignCreate,
    Results,
    DeviceStatus,
    Targets,
    Unregistered,
    Defer,
    Cancel,
    Suspend,
    Resume,
    SetParam,
    CampaignList,
    DeviceDetail,
    GatewayTable,
    CampaignPause,  // common/operator_campaigns.hpp
    CampaignResume,
    CampaignCancel,
    FirmwareUploadBegin,  // common/operator_upload.hpp
    FirmwareUploadPiece,
    FirmwareUploadCommit,
    FirmwareDelete,    // common/operator_views.hpp
    GatewaySetWindow,  // common/operator_windows.hpp (issue 16 item 5)
    GatewayClearWindow,
    Audit,  // common/operator_audit.hpp (issue 19 item 3)
};
std::string_view to_string(OperatorOp op);
// bad_args "unknown op 'x' (firmware_add, ...)" for a name not in the list.
Expected<OperatorOp> operator_op_from_string(std::string_view name);

// ---- args ------------------------------------------------------------------
// A paged view (results, targets): a campaign of 100,000 targets is ~30 MB of
// rows, far above the broker's packet limit.
inline constexpr std::uint64_t kResultsPageMax = 5000;
struct PageArgs {
    std::uint64_t offset = 0;
    std::uint64_t limit = kResultsPageMax;  // 0: the summary only
};
struct FirmwareAddArgs {
    std::string path;  // readable by the manager
    std::string model;
    std::string component;
    std::string version;
    std::optional<std::uint32_t> chunk_size;
    bool allow_downgrade = false;
};
struct ResultsArgs {
    std::string campaign;
    PageArgs page;
    bool by_gateway = false;  // adds per-gateway progress (`campaign watch`)
    // Only this target's row, wherever it stands in the campaign's pages (the
    // CLI's defer/cancel/suspend/resume follow their device with it).
    std::optional<std::string> device;
};
struct TargetsArgs {
    std::string campaign;
    PageArgs page;
};
struct CampaignArgs {  // unregistered
    std::string campaign;
};
struct DeviceArgs {  // device_status, device_detail, cancel, suspend, resume
    std::string device;
};
struct GatewayArgs {  // gateway_table
    std::string gateway;
};
struct DeferArgs {
    std::string device;
    std::optional<Millis> by;  // absent: the gateway's configured period
};
struct SetParamArgs {
    std::string device;
    std::string name;  // deferment
    Millis value{0};
};
inline constexpr std::uint64_t kDefaultCampaignListLimit = 50;
inline constexpr std::uint64_t kMaxCampaignListLimit = 1000;
struct CampaignListArgs {
    std::uint64_t limit = kDefaultCampaignListLimit;
    std::optional<std::string> campaign;  // only this campaign
};

void to_json(cJSON* o, const FirmwareAddArgs& a);
void to_json(cJSON* o, const ResultsArgs& a);
void to_json(cJSON* o, const TargetsArgs& a);
void to_json(cJSON* o, const CampaignArgs& a);
void to_json(cJSON* o, const DeviceArgs& a);
void to_json(cJSON* o, const GatewayArgs& a);
void to_json(cJSON* o, const DeferArgs& a);
void to_json(cJSON* o, const SetParamArgs& a);
void to_json(cJSON* o, const CampaignListArgs& a);
Expected<FirmwareAddArgs> firmware_add_args_from_json(const cJSON* o);
// An image's model, component, version, chunk_size and allow_downgrade (firmware_add without
// its path; firmware_upload_begin).
void put_firmware_metadata(cJSON* o, const FirmwareAddArgs& a);
Status firmware_metadata_from_json(const cJSON* o, FirmwareAddArgs& a);
Expected<PageArgs> page_args_from_json(const cJSON* o);
Expected<ResultsArgs> results_args_from_json(const cJSON* o);
Expected<TargetsArgs> targets_args_from_json(const cJSON* o);
Expected<CampaignArgs> campaign_args_from_json(const cJSON* o);
Expected<DeviceArgs> device_args_from_json(const cJSON* o);
Expected<GatewayArgs> gateway_args_from_json(const cJSON* o);
Expected<DeferArgs> defer_args_from_json(const cJSON* o);
Expected<SetParamArgs> set_param_args_from_json(const cJSON* o);
Expected<CampaignListArgs> campaign_list_args_from_json(const cJSON* o);
// A request's args or an answer as one Json object, with its to_json:
// json_object(DeviceArgs{"A123-000001"}), json_object(FirmwareListAnswer{...}).
template <typename T>
Json json_object(const T& value) {
    auto j = Json::object();
    to_json(j.get(), value);
    return j;
}

// ---- answers ---------------------------------------------------------------
// defer, cancel, suspend, resume: the job the command was sent for.
struct ControlAnswer {
    std::string device;
    std::string campaign;
    std::string gateway;
    JobState state = JobState::Waiting;  // when the command was sent
    std::string request_id;
};
void to_json(cJSON* o, const ControlAnswer& a);
Expected<ControlAnswer> control_answer_from_json(const cJSON* o);

struct SetParamAnswer {
    std::string device;
    std::string gateway;
    std::string name;
    Millis value{0};
};
void to_json(cJSON* o, const SetParamAnswer& a);
Expected<SetParamAnswer> set_param_answer_from_json(const cJSON* o);
// One device's job as every view shows it (results, device_status,
// device_detail, gateway_table): state, result, necessity, progress, old,
// new, detail, error, suspended, started_at, ended_at.
struct JobView {
    JobState state = JobState::Waiting;
    std::uint32_t progress = 0;
    Versions old_versions;
    Versions new_versions;
    std::string detail;
    bool suspended = false;
    std::optional<TimePoint> started_at;
    std::optional<TimePoint> ended_at;
};
void to_json(cJSON* o, const JobView& j);
Expected<JobView> job_view_from_json(const cJSON* o);
// The job's error kind (error_kind of its detail), "" for a completed job.
std::string error_of(const JobView& j);
// A `results` row: the job plus device, gateway, model, fw_ids, update_at
// (the device's, moved by busy/defer: R13, R14).
struct ResultsRow {
    std::string device;
    std::string gateway;
    std::string model;
    std::vector<std::string> fw_ids;
    JobView job;
    TimePoint update_at{};
};
void to_json(cJSON* o, const ResultsRow& r);
Expected<ResultsRow> results_row_from_json(const cJSON* o);
// Counts per result label over every target, and the total.
struct ResultSummary {
    std::map<std::string, std::uint64_t> counts;  // every label of job_rules::kResultLabels
    std::uint64_t total = 0;
};
void to_json(cJSON* o, const ResultSummary& s);
Expected<ResultSummary> result_summary_from_json(const cJSON* o);
// The error kind at the head of a gateway comment ("write_failure: ...",
// "no_power_on: ...", "boot_failed: ..."), or "" when the comment has none.
std::string error_kind(const std::string& detail);

// Adds one job of `state` to the counts.
void count(ResultSummary& s, JobState state, std::uint64_t n = 1);
ResultSummary empty_summary();
// The campaign's update, transmission and expiration times (every campaign view).
void put_campaign_times(cJSON* o, TimePoint update_at, const std::optional<TimePoint>& transmit_at,
                        const std::optional<TimePoint>& expires_at);

}  // namespace fleetcast
