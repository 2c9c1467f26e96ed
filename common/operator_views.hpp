#pragma once
// The answers of the operator's registry and campaign-target views
// (topics.md "Operator request / response"): firmware_list, device_list,
// gateway_list, rate_list, targets, unregistered, device_status. One struct
// per answer, one encoder (the manager's) and one strict decoder (the CLI's)
// each; a field of the wrong type is a bad_answer, never a blank cell.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/json.hpp"
#include "common/json_rows.hpp"
#include "common/messages.hpp"
#include "common/operator_messages.hpp"
#include "common/operator_windows.hpp"

namespace fleetcast {

// ---- firmware_list ----------------------------------------------------------
struct FirmwareListRow {
    FirmwareManifest manifest;  // the signed manifest, as fw/{fw}/manifest carries it
    TimePoint added_at{};
    std::vector<std::string> campaigns;  // every campaign that targets devices with it, oldest first
};
// Issue 17 follow-up: a delta (source_fw empty: the compressed image) the
// manager gave up, larger than its limit or failed; not made again.
struct GivenUpArtifact {
    std::string source_fw;  // empty: the compressed image
    std::string source_version;
    std::string target_fw;
    std::string reason;
    std::uint64_t bytes = 0;  // the artifact's size when it was made
    std::uint64_t image_bytes = 0;
    TimePoint at{};
};
struct FirmwareListAnswer {
    std::vector<FirmwareListRow> firmware;
    std::vector<GivenUpArtifact> given_up = {};  // absent from older managers' answers: empty
};
void to_json(cJSON* o, const FirmwareListAnswer& a);
Expected<FirmwareListAnswer> firmware_list_answer_from_json(const cJSON* o);

// ---- firmware_delete --------------------------------------------------------
struct FirmwareArgs {
    std::string fw;
};
void to_json(cJSON* o, const FirmwareArgs& a);
Expected<FirmwareArgs> firmware_args_from_json(const cJSON* o);
struct FirmwareDeleted {
    std::string fw;
    std::string sha256;
    bool image_removed = false;  // the image file went too (no other firmware entry shares its bytes)
};
void to_json(cJSON* o, const FirmwareDeleted& a);
Expected<FirmwareDeleted> firmware_deleted_from_json(const cJSON* o);

// ---- device_list ------------------------------------------------------------
// A registered device as its last device_state showed it.
struct DeviceRow {
    std::string device;
    std::string gateway;
    std::string model;
    std::string status;  // idle, busy, updating, error, offline
    Versions firmware;   // component -> installed version
    TimePoint last_seen{};
    std::optional<DefermentParam> deferment;  // R12, as the device last reported it
};
void to_json(cJSON* o, const DeviceRow& d);
Expected<DeviceRow> device_row_from_json(const cJSON* o);
struct DeviceListAnswer {
    std::vector<DeviceRow> devices;
};
void to_json(cJSON* o, const DeviceListAnswer& a);
Expected<DeviceListAnswer> device_list_answer_from_json(const cJSON* o);

// ---- gateway_list -----------------------------------------------------------
struct GatewayRow {
    std::string gateway;
    std::string status;  // online | offline
    TimePoint last_seen{};
    std::optional<GatewayWindowView> window;  // issue 16 item 5: "window", only when one is set
};
struct GatewayListAnswer {
    std::vector<GatewayRow> gateways;
};
void to_json(cJSON* o, const GatewayListAnswer& a);
Expected<GatewayListAnswer> gateway_list_answer_from_json(const cJSON* o);

// ---- rate_list --------------------------------------------------------------
// R9's measured rates: the manager->gateway link (device empty) or a
// gateway->device link.
struct RateRow {
    std::string gateway;
    std::string device;  // empty: the manager's link to the gateway
    std::uint64_t bytes = 0;
    std::uint64_t millis = 0;
    std::uint64_t bytes_per_s = 0;
    std::string source;  // probe | transfer
    TimePoint at{};
};
struct RateListAnswer {
    std::vector<RateRow> rates;
};
void to_json(cJSON* o, const RateListAnswer& a);
Expected<RateListAnswer> rate_list_answer_from_json(const cJSON* o);

// ---- targets (paged) --------------------------------------------------------
struct VersionChange {
    std::string component;
    std::string old_version;  // "" when the device did not report the component
    std::string new_version;
};
struct TargetRow {
    std::string device;
    std::string model;
    std::string serial;  // the device id after its last '-'
    std::string gateway;
    TimePoint transmit_at{};  // push: the transmission time; pull: the update time (R7)
    TimePoint update_at{};
    std::vector<VersionChange> changes;
    std::uint64_t wave = 0;  // issue 16 item 2: its wave (1-based); 0 (absent) without waves
};
struct TargetsAnswer {
    std::string campaign;
    std::string mode;  // pull | push
    std::uint64_t total = 0;
    std::uint64_t offset = 0;
    std::vector<TargetRow> devices;
};
void to_json(cJSON* o, const TargetsAnswer& a);
Expected<TargetsAnswer> targets_answer_from_json(const cJSON* o);

// ---- unregistered -----------------------------------------------------------
struct SkippedRow {
    std::string device;
    std::string reason;
};
struct UnregisteredAnswer {
    std::string campaign;
    std::uint64_t total = 0;
    std::vector<SkippedRow> devices;
};
void to_json(cJSON* o, const UnregisteredAnswer& a);
Expected<UnregisteredAnswer> unregistered_answer_from_json(const cJSON* o);

// ---- device_status ----------------------------------------------------------
// A device's place in its latest campaign (R18): the device fields, then the
// job's (state, result, progress, versions, detail, error, times) when it has one.
struct DeviceStatusJob {
    std::string campaign;
    JobView job;
    TimePoint update_at{};
    std::optional<TimePoint> expected_end;  // the job's end when ended, else the campaign's plan
};
struct DeviceStatusAnswer {
    TimePoint now{};
    DeviceRow device;  // without the deferment
    std::optional<DeviceStatusJob> latest;
    std::string phase;    // idle | job_rules::phase_of(state) | suspended
    bool settled = true;  // no job, or a job in a terminal state
};
void to_json(cJSON* o, const DeviceStatusAnswer& a);
Expected<DeviceStatusAnswer> device_status_answer_from_json(const cJSON* o);

}  // namespace fleetcast
