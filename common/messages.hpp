#pragma once
// Every JSON message of the protocol (see topics.md), as structs with encode()
// and decode_*() functions. Decoders validate everything (types, ids, ranges,
// sizes) and return an Error instead of a half-filled struct.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/json.hpp"
#include "common/rate_limits.hpp"
#include "common/sha256.hpp"

namespace fleetcast {

inline constexpr std::uint32_t kDefaultChunkSize = 64 * 1024;
inline constexpr std::uint32_t kMaxChunkSize = 1024 * 1024;
inline constexpr std::uint64_t kMaxImageSize = 4ULL * 1024 * 1024 * 1024;
// A site's devices in one schedule (grouped by model and images, ~15 bytes
// each on the wire: 200,000 devices are ~3 MB, below the broker's 8 MiB).
inline constexpr std::size_t kMaxDevicesPerSchedule = 1000000;
inline constexpr std::size_t kMaxRanges = 4096;
// A signed manifest lists every chunk's SHA-256 (64 hex each): at most 1 MiB of
// hex. With 64 KiB chunks that is a 1 GiB image; larger images use larger chunks.
inline constexpr std::uint32_t kMaxManifestChunks = 16384;

using Versions = std::map<std::string, std::string>;  // component -> version

// ---- firmware --------------------------------------------------------------
// Issue 17: an artifact that is not the image itself but a zstd encoding of
// it: a delta against a source image the device runs (source_sha256 set), or
// the image compressed (no source). The manifest's size, sha256 and chunk
// list then describe the encoded bytes on the wire; target_* the image the
// device installs, whose SHA-256 is the one checked before the flip.
struct ArtifactEncoding {
    std::string codec = "zstd";  // the only codec so far
    std::string source_sha256;   // empty: compressed full image
    std::string source_version;  // the version the source image has (informational, signed)
    std::string target_sha256;   // the installed image (its own manifest's sha256)
    std::uint64_t target_size = 0;
    bool operator==(const ArtifactEncoding&) const = default;
};

struct FirmwareManifest {
    std::string fw_id;      // first 16 hex digits of the image's SHA-256
    std::string model;      // device model type the image is for
    std::string component;  // main, controller, df...
    std::string version;
    std::uint64_t size = 0;
    std::string sha256;  // 64 lowercase hex digits of the whole image
    std::uint32_t chunk_size = kDefaultChunkSize;
    std::uint32_t chunk_count = 0;
    bool allow_downgrade = false;
    // Signed part (R21, common/manifest_signing.hpp). Decoders accept manifests
    // without them; verify_manifest() is what refuses an unsigned one.
    std::vector<Digest> chunk_sha256;          // one per chunk, in order
    std::optional<TimePoint> expires_at;       // the signature is void from then on
    std::string key_id;                        // 16 hex: which manager key signed
    std::string signature;                     // 128 hex: Ed25519 over manifest_signed_text()
    std::optional<ArtifactEncoding> encoding;  // issue 17: a delta or a compressed image ("encoding")
};
// Issue 17: what a manifest's artifact installs as. For a plain image these
// are its own fields; for a delta or a compressed image the target's.
inline bool is_delta(const FirmwareManifest& m) { return m.encoding && !m.encoding->source_sha256.empty(); }
inline const std::string& installed_sha256(const FirmwareManifest& m) {
    return m.encoding ? m.encoding->target_sha256 : m.sha256;
}
inline std::uint64_t installed_size(const FirmwareManifest& m) { return m.encoding ? m.encoding->target_size : m.size; }
// The fw id of the installed image (content-addressed: its SHA-256's prefix).
inline std::string installed_fw_id(const FirmwareManifest& m) { return installed_sha256(m).substr(0, 16); }
std::uint32_t chunk_count_for(std::uint64_t size, std::uint32_t chunk_size);
void to_json(cJSON* obj, const FirmwareManifest& m);
Expected<FirmwareManifest> manifest_from_json(const cJSON* obj);
std::string encode(const FirmwareManifest& m);  // {"type":"manifest",...}
Expected<FirmwareManifest> decode_manifest(std::string_view text);

// ---- chunk ranges (inclusive) -----------------------------------------------
struct ChunkRange {
    std::uint32_t first = 0;
    std::uint32_t last = 0;
    bool operator==(const ChunkRange&) const = default;
};
// Validates that ranges are in bounds for chunk_count.
Expected<std::vector<ChunkRange>> ranges_from_json(const cJSON* obj, const char* key, std::uint32_t chunk_count);
void put_ranges(cJSON* obj, const char* key, const std::vector<ChunkRange>& ranges);

// ---- manager -> gateway schedule (retained) --------------------------------
enum class TransferMode { Pull, Push };
std::string_view to_string(TransferMode m);
// bad_value "mode must be pull or push, got 'x'" for any other name.
Expected<TransferMode> transfer_mode_from_string(std::string_view name);

struct ScheduleTarget {
    std::string device;
    std::string model;
    std::vector<std::string> fw_ids;  // images this device needs, one per component
};

// R17: how often and how soon a device's update is tried again before it ends
// ERROR, and how long the gateway waits for the power-on report (R16) after the
// device said it restarts. Carried in the schedule as "retry" (optional).
struct RetryPolicy {
    std::uint32_t max_retries = 3;   // re-tries after the first attempt
    Millis backoff{5000};            // before retry n: backoff * 2^(n-1)
    Millis power_on_timeout{60000};  // restarting/installing without power_on -> attempt failed
    bool operator==(const RetryPolicy&) const = default;
};
inline constexpr std::uint32_t kMaxRetries = 20;

struct Schedule {
    std::string campaign;
    TransferMode mode = TransferMode::Pull;
    TimePoint update_at{};
    std::optional<TimePoint> transmit_at;
    std::optional<TimePoint> expires_at;
    std::vector<FirmwareManifest> firmware;
    std::vector<ScheduleTarget> devices;
    RetryPolicy retry;
    // Issue 16 item 4: this gateway's share of the campaign's rate limits
    // ("limits"; absent: none).
    GatewayLimits limits;
};
std::string encode(const Schedule& s);                           // {"type":"schedule",...}
Expected<RetryPolicy> retry_policy_from_json(const cJSON* obj);  // {"max","backoff_ms","power_on_timeout_ms"}
// That object under `key` (the schedule's `retry`, campaign_create's answer).
void put_retry_policy(cJSON* obj, const char* key, const RetryPolicy& r);
Expected<Schedule> decode_schedule(std::string_view text);

// ---- manager -> gateway maintenance window (retained, issue 16 item 5) -----
// On gw/{gw}/window; an empty retained payload means no window.
struct WindowMsg {
    std::string gateway;
    std::string window;  // "Mon-Fri 22:00-05:00" (common/maintenance_window.hpp)
    std::string tz;      // "Europe/Berlin"
    TimePoint set_at{};
    bool operator==(const WindowMsg&) const = default;
};
std::string encode(const WindowMsg& w);  // {"type":"window",...}
// Also checks that the window and the zone parse (bad_args otherwise).
Expected<WindowMsg> decode_window(std::string_view text);

// ---- gateway -> manager chunk request ---------------------------------------
struct FetchRequest {
    std::string fw_id;
    std::vector<ChunkRange> ranges;
};
std::string encode(const FetchRequest& r);  // {"type":"fetch",...}
// Ranges are bounded by chunk_count when known; pass UINT32_MAX to check later.
Expected<FetchRequest> decode_fetch(std::string_view text);

// ---- retained process state (manager, gateway) ------------------------------
struct ProcessState {
    std::string role;  // "manager" | "gateway"
    std::string id;
    bool online = false;
    TimePoint at{};
    std::map<std::string, std::uint64_t> counters;  // bad_input, ...
};
std::string encode(const ProcessState& s);  // {"type":"process_state",...}
Expected<ProcessState> decode_process_state(std::string_view text);

// ---- device state (retained, device -> gateway) -----------------------------
enum class DeviceStatus { Idle, Busy, Updating, Error, Offline };
std::string_view to_string(DeviceStatus s);
Expected<DeviceStatus> device_status_from_string(std::string_view s);

// Fig. 12 service call types (status error): A hardware disabled, cannot be
// reset remotely; B one function disabled; C logged only; D hardware disabled,
// cleared by a power cycle.
bool valid_service_call(std::string_view type);

// Fig. 36 "deferment management parameter": the value and when it was last set.
struct DefermentParam {
    Millis value{0};
    TimePoint set_at{};
    bool operator==(const DefermentParam&) const = default;
};
// {"value_ms":1200000,"set_at":"…"} under `key`: the one JSON form of the
// parameter (device state, the device's state file, the manager's views).
void put_deferment(cJSON* obj, const char* key, const DefermentParam& p);
// Reads that object (value at most kMaxDeferment).
Expected<DefermentParam> deferment_from_json(const cJSON* deferment);

struct DeviceState {
    std::string device;
    std::string gateway;
    std::string model;
    DeviceStatus status = DeviceStatus::Idle;
    Versions firmware;
    TimePoint at{};
    // Added for R12/R13; default member initializers keep older aggregate
    // initialisations ({device, gateway, model, status, firmware, at}) valid.
    std::string activity{};      // busy: printing | copying | scanning (free text id)
    std::string service_call{};  // error: "A" | "B" | "C" | "D"
    std::optional<DefermentParam> deferment{};
};
std::string encode(const DeviceState& s);  // {"type":"device_state",...}
Expected<DeviceState> decode_device_state(std::string_view text);
// LWT payload: status offline, no versions known.
std::string encode_device_offline(std::string_view device, std::string_view gateway, std::string_view model);

// ---- gateway -> device commands --------------------------------------------
struct OfferCmd {
    std::string campaign;
    std::vector<FirmwareManifest> firmware;
};
struct FanoutDoneCmd {
    std::string campaign;
    std::string fw_id;
    std::uint32_t chunk_count = 0;
};
// R18: the campaign expired; the device drops its update of `campaign` (the
// partial image is discarded) unless its boot pointer already flipped.
struct ExpireCmd {
    std::string campaign;
};
// Cancel the device's update of `campaign` unless its boot pointer flipped.
struct CancelCmd {
    std::string campaign;
    std::string request_id;
    std::string by;  // operator | panel
};
// Drop the communication request of `campaign`: a new one comes at `until`.
struct PostponeCmd {
    std::string campaign;
    std::string request_id;
    TimePoint until{};
};
// R19: the operator suspended the device's update of `campaign`: the device
// stops receiving, keeps the chunks it has (an offer of the same image
// resumes them) and drops a communication request it is deferring.
struct SuspendCmd {
    std::string campaign;
    std::string request_id;
};
// Sets a device parameter; the only one so far is "deferment" (milliseconds).
struct SetParamCmd {
    std::string name;
    Millis value{0};
    std::string request_id;
};
using DeviceCommand = std::variant<OfferCmd, FanoutDoneCmd, ExpireCmd, CancelCmd, PostponeCmd, SetParamCmd, SuspendCmd>;
std::string encode(const OfferCmd& c);       // {"type":"offer",...}
std::string encode(const FanoutDoneCmd& c);  // {"type":"fanout_done",...}
std::string encode(const ExpireCmd& c);      // {"type":"expire",...}
std::string encode(const CancelCmd& c);      // {"type":"cancel",...}
std::string encode(const PostponeCmd& c);    // {"type":"postpone",...}
std::string encode(const SetParamCmd& c);    // {"type":"set_param",...}
std::string encode(const SuspendCmd& c);     // {"type":"suspend",...}
Expected<DeviceCommand> decode_device_command(std::string_view text);

// ---- device -> gateway events ------------------------------------------------
struct ReadyEvent {  // subscribed to the fan-out topics of these images
    std::string campaign;
    std::vector<std::string> fw_ids;
    // The device's boot count when it answered: a later power_on with a higher
    // one follows a restart after this answer (what proves an install, with
    // the image hashes of PowerOnEvent). Absent from older devices.
    std::optional<std::uint64_t> boot_count{};
    // Per image, the chunks the device still lacks (it resumed a partial
    // image): the fan-out sends only what its listeners lack. An image not
    // listed here is lacked whole. At most kMaxReadyRanges ranges per image
    // (a longer list is closed with one range to the end: a superset).
    std::map<std::string, std::vector<ChunkRange>> missing{};
};
inline constexpr std::size_t kMaxReadyRanges = 256;
struct NeedEvent {  // missing chunks, to be sent on the device's own chunk topic
    std::string campaign;
    std::string fw_id;
    std::vector<ChunkRange> ranges;
};
struct ProgressEvent {
    std::string campaign;
    std::string phase;  // receiving | verifying | installing | restarting
    std::uint32_t percent = 0;
};
using ImageHashes = std::map<std::string, std::string>;  // component -> 64 lowercase hex SHA-256
struct PowerOnEvent {
    std::string campaign;  // empty when not booting from an update
    Versions firmware;
    std::uint64_t boot_count = 0;
    // SHA-256 of the image each component booted (its active slot), as the
    // device computed it when it verified the image before the flip. The
    // gateway completes a job only when these equal the signed manifests'.
    ImageHashes image_sha256{};
};
struct ErrorEvent {
    std::string campaign;
    std::string fw_id;  // may be empty
    std::string code;   // checksum, no_space, write_failure, rejected, bad_manifest
    std::string detail;
};
// The answer to a communication request will come at `until` (the device's
// deferment period, R12): the device is alive, the gateway waits.
struct DeferredEvent {
    std::string campaign;
    TimePoint until{};
};
// The device's user asks to move the update later (R14), by `by` or by the
// gateway's configured period when absent.
struct DeferRequestEvent {
    std::string campaign;
    std::string request_id;
    std::optional<Millis> by;
};
// The device dropped the update of `campaign` and keeps its old firmware (R15).
struct CanceledEvent {
    std::string campaign;
    std::string request_id;
    std::string by;  // panel | operator
};
using DeviceEvent = std::variant<ReadyEvent, NeedEvent, ProgressEvent, PowerOnEvent, ErrorEvent, DeferredEvent,
                                 DeferRequestEvent, CanceledEvent>;
std::string encode(const DeferredEvent& e);      // {"type":"deferred",...}
std::string encode(const DeferRequestEvent& e);  // {"type":"defer",...}
std::string encode(const CanceledEvent& e);      // {"type":"canceled",...}
std::string encode(const ReadyEvent& e);         // {"type":"ready",...}
std::string encode(const NeedEvent& e);          // {"type":"need",...}
std::string encode(const ProgressEvent& e);      // {"type":"progress",...}
std::string encode(const PowerOnEvent& e);       // {"type":"power_on",...}
std::string encode(const ErrorEvent& e);         // {"type":"error",...}
Expected<DeviceEvent> decode_device_event(std::string_view text);

// ---- gateway -> manager reports ---------------------------------------------
struct DeviceSeenReport {  // the gateway forwards each device state it sees
    DeviceState state;
};
// Expired (R18): the campaign's expiration time passed (or the measured rate
// showed the transfer could not finish by then); the device keeps its firmware.
// Requesting (R11): communication request sent, no answer yet. Canceled (R15).
enum class JobState {
    Waiting,
    Fetching,
    Requesting,
    Transferring,
    Installing,
    Restarting,
    Completed,
    Failed,
    Expired,
    Canceled
};
std::string_view to_string(JobState s);
Expected<JobState> job_state_from_string(std::string_view s);
struct JobReport {
    std::string campaign;
    std::string device;
    JobState state = JobState::Waiting;
    std::uint32_t progress = 0;  // percent
    std::string detail;          // error or comment
    std::optional<TimePoint> started_at;
    std::optional<TimePoint> ended_at;
    Versions firmware;                   // versions reported at power-on (Completed/Failed)
    std::optional<TimePoint> update_at;  // the device's (possibly moved) update time
    bool suspended = false;              // R19: held by the operator until resumed
};
struct CacheReport {
    std::string fw_id;
    std::string state;  // fetching | cached | corrupt
    std::uint64_t bytes = 0;
};
// A measured link rate (R9): the manager->gateway link (device empty) or the
// gateway->one device link, from a real transfer or a probe.
enum class RateLink { Manager, Device };
std::string_view to_string(RateLink l);
struct RateReport {
    RateLink link = RateLink::Manager;
    std::string device;  // RateLink::Device only
    std::uint64_t bytes = 0;
    std::uint64_t millis = 0;  // > 0
    std::string source;        // fetch | push | fanout | probe
    TimePoint at{};
    double bytes_per_second() const {
        return millis == 0 ? 0.0 : static_cast<double>(bytes) * 1000.0 / static_cast<double>(millis);
    }
};
// ---- reconciliation (R27, gateway -> manager) -------------------------------
// What the gateway holds of one campaign: its job count, the jobs not ended,
// and job_digest() over its (device, state) rows (common/job_digest.hpp).
struct CampaignDigest {
    std::string campaign;
    std::uint64_t jobs = 0;
    std::uint64_t open = 0;
    std::string digest;  // 16 lowercase hex
    bool operator==(const CampaignDigest&) const = default;
};
inline constexpr std::size_t kMaxDigestCampaigns = 1000;  // ~100 KiB: within a report's 256 KiB
struct DigestReport {                                     // {"type":"digest","at":...,"campaigns":[...]}
    TimePoint at{};
    std::vector<CampaignDigest> campaigns;
};
// A device sent an event for a campaign the gateway holds no job of: the
// manager re-publishes that gateway's schedule when the campaign runs there.
struct UnknownJobReport {  // {"type":"unknown_job","campaign":...,"device":...,"event":"ready"}
    std::string campaign;
    std::string device;
    std::string event;  // the device event's type
};
// A campaign-level command (GwCampaignCmd) applied to every job of the
// campaign the gateway holds, and stored: the manager counts the campaign's
// command confirmed on this gateway when this names its request id.
enum class CampaignAction { Pause, Resume, Cancel };
std::string_view to_string(CampaignAction a);
Expected<CampaignAction> campaign_action_from_string(std::string_view s);
struct CampaignAckReport {  // {"type":"campaign_ack","campaign":...,"action":"pause","request_id":...,"jobs":3}
    std::string campaign;
    CampaignAction action = CampaignAction::Pause;
    std::string request_id;
    std::uint64_t jobs = 0;  // jobs of the campaign the gateway holds
};
using GatewayReport = std::variant<DeviceSeenReport, JobReport, CacheReport, RateReport, DigestReport, UnknownJobReport,
                                   CampaignAckReport>;
std::string encode(const DeviceSeenReport& r);   // {"type":"device_seen",...}
std::string encode(const JobReport& r);          // {"type":"job",...}
std::string encode(const CacheReport& r);        // {"type":"cache",...}
std::string encode(const RateReport& r);         // {"type":"rate",...}
std::string encode(const DigestReport& r);       // {"type":"digest",...}
std::string encode(const UnknownJobReport& r);   // {"type":"unknown_job",...}
std::string encode(const CampaignAckReport& r);  // {"type":"campaign_ack",...}
Expected<GatewayReport> decode_gateway_report(std::string_view text);
namespace detail {
Expected<RateReport> rate_report_from_json(const cJSON* obj);
Expected<DigestReport> digest_report_from_json(const cJSON* obj);
Expected<UnknownJobReport> unknown_job_report_from_json(const cJSON* obj);
Expected<CampaignAckReport> campaign_ack_report_from_json(const cJSON* obj);
}  // namespace detail

// ---- rate probes (R9, when a link has no measured figure yet) -------------
inline constexpr std::uint64_t kMaxProbeBytes = 1024 * 1024;
struct ProbeRequest {   // gateway -> manager on gw/{gw}/probe
    std::string probe;  // probe id, echoed in the answer
    std::uint64_t bytes = 0;
};
struct ProbeAck {  // device -> gateway on site/{gw}/dev/{dev}/probe/ack
    std::string probe;
    std::uint64_t bytes = 0;  // payload bytes the device received
};
std::string encode(const ProbeRequest& r);  // {"type":"probe",...}
Expected<ProbeRequest> decode_probe_request(std::string_view text);
std::string encode(const ProbeAck& a);  // {"type":"probe_ack",...}
Expected<ProbeAck> decode_probe_ack(std::string_view text);
// The probe data (binary): "FCP1" · id length u8 · id · filler. Sent by the
// manager on gw/{gw}/probe/data and by a gateway on site/{gw}/dev/{dev}/probe.
std::string encode_probe_data(std::string_view probe, std::uint64_t filler_bytes);
struct ProbeData {
    std::string probe;
    std::uint64_t bytes = 0;  // whole payload size
};
Expected<ProbeData> decode_probe_data(std::string_view bytes);

// ---- manager -> gateway commands (gw/{gw}/cmd) --------------------------------
struct GwDeferCmd {
    std::string campaign;
    std::string device;
    std::string request_id;
    std::optional<Millis> by;  // absent: the gateway's configured period
};
struct GwCancelCmd {
    std::string campaign;
    std::string device;
    std::string request_id;
};
struct GwSetParamCmd {
    std::string device;
    std::string name;  // deferment
    Millis value{0};
    std::string request_id;
};
// R19: hold the device's update (stop its transfer, keep what it received)
// until a resume; resume lets it run again from where it stopped.
struct GwSuspendCmd {
    std::string campaign;
    std::string device;
    std::string request_id;
    bool suspend = true;  // false: resume
};
// R27: the manager's view of `campaign` differs from the gateway's digest:
// the gateway answers with a job report for every job of the campaign.
struct GwResyncCmd {
    std::string campaign;
    std::string request_id;
};
// Issue 16: pause, resume or cancel every job of `campaign` on this gateway
// (gateway/gateway_campaigns.cpp); stored before it is acted on, answered
// with a campaign_ack report. A redelivered one is acknowledged again only.
struct GwCampaignCmd {
    std::string campaign;
    CampaignAction action = CampaignAction::Pause;
    std::string request_id;
    std::string reason;  // pause: why (shown in the job comments)
};
using GatewayCommand = std::variant<GwDeferCmd, GwCancelCmd, GwSetParamCmd, GwSuspendCmd, GwResyncCmd, GwCampaignCmd>;
std::string encode(const GwDeferCmd& c);     // {"type":"defer",...}
std::string encode(const GwCancelCmd& c);    // {"type":"cancel",...}
std::string encode(const GwSetParamCmd& c);  // {"type":"set_param",...}
std::string encode(const GwSuspendCmd& c);   // {"type":"suspend"|"resume",...}
std::string encode(const GwResyncCmd& c);    // {"type":"resync",...}
std::string encode(const GwCampaignCmd& c);  // {"type":"campaign",...}
Expected<GatewayCommand> decode_gateway_command(std::string_view text);
inline constexpr Millis kMaxDeferment{7LL * 24 * 3600 * 1000};  // a week

// ---- operator <-> manager request/response ---------------------------------
struct OperatorRequest {
    std::string req_id;
    std::string op;  // firmware_add, firmware_list, device_list, campaign_create, results...
    Json args;       // object, validated by the manager per op
};
struct OperatorResponse {
    std::string req_id;
    bool ok = false;
    std::string error;  // when !ok
    std::string code;   // when !ok: stable error code (bad_args, bad_time, not_found...)
    Json data;          // object, when ok
};
std::string encode(const OperatorRequest& r);  // {"type":"request",...}
Expected<OperatorRequest> decode_operator_request(std::string_view text);
std::string encode(const OperatorResponse& r);  // {"type":"response",...}
Expected<OperatorResponse> decode_operator_response(std::string_view text);

}  // namespace fleetcast
