#include "manager/manager_store.hpp"

#include <algorithm>
#include <sstream>

#include "common/json.hpp"
#include "manager/store_rows.hpp"

namespace fleetcast::manager {

namespace {

// Statement::bind has string_view and optional<string> overloads: name the one meant.
std::string_view sv(const std::string& s) { return s; }
std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

std::optional<std::string> opt_time(const std::optional<TimePoint>& t) {
    if (!t) return std::nullopt;
    return format_time(*t);
}

TimePoint time_col(const Statement& s, int col) {
    auto t = parse_time(s.text(col));
    return t ? *t : TimePoint{};
}

std::optional<TimePoint> opt_time_col(const Statement& s, int col) {
    if (s.is_null(col)) return std::nullopt;
    auto t = parse_time(s.text(col));
    if (!t) return std::nullopt;
    return *t;
}

std::string join_ids(const std::vector<std::string>& ids) {
    std::string out;
    for (const auto& id : ids) out += (out.empty() ? "" : ",") + id;
    return out;
}

std::vector<std::string> split_ids(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!item.empty()) out.push_back(item);
    return out;
}

const char* kSchema = R"sql(
CREATE TABLE firmware (
  fw_id TEXT PRIMARY KEY, model TEXT NOT NULL, component TEXT NOT NULL, version TEXT NOT NULL,
  size INTEGER NOT NULL, sha256 TEXT NOT NULL, chunk_size INTEGER NOT NULL,
  allow_downgrade INTEGER NOT NULL DEFAULT 0, added_at TEXT NOT NULL);
CREATE INDEX firmware_by_model ON firmware(model, component);
CREATE TABLE gateways (id TEXT PRIMARY KEY, status TEXT NOT NULL, last_seen TEXT NOT NULL);
CREATE TABLE devices (
  id TEXT PRIMARY KEY, gateway TEXT NOT NULL, model TEXT NOT NULL, status TEXT NOT NULL,
  firmware TEXT NOT NULL DEFAULT '{}', last_seen TEXT NOT NULL);
CREATE TABLE campaigns (
  id TEXT PRIMARY KEY, created_at TEXT NOT NULL, mode TEXT NOT NULL, update_at TEXT NOT NULL,
  transmit_at TEXT, expires_at TEXT, state TEXT NOT NULL);
CREATE TABLE targets (
  campaign TEXT NOT NULL REFERENCES campaigns(id), device TEXT NOT NULL, gateway TEXT NOT NULL,
  model TEXT NOT NULL, fw_ids TEXT NOT NULL, old_versions TEXT NOT NULL, new_versions TEXT NOT NULL,
  state TEXT NOT NULL, progress INTEGER NOT NULL DEFAULT 0, detail TEXT NOT NULL DEFAULT '',
  started_at TEXT, ended_at TEXT, PRIMARY KEY (campaign, device));
CREATE TABLE transfers (
  gateway TEXT NOT NULL, fw_id TEXT NOT NULL, chunks_sent INTEGER NOT NULL DEFAULT 0,
  bytes_sent INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (gateway, fw_id));
CREATE TABLE pushes (
  gateway TEXT NOT NULL, fw_id TEXT NOT NULL, campaign TEXT NOT NULL, pushed_at TEXT NOT NULL,
  PRIMARY KEY (gateway, fw_id));
CREATE TABLE gateway_cache (
  gateway TEXT NOT NULL, fw_id TEXT NOT NULL, state TEXT NOT NULL, bytes INTEGER NOT NULL,
  at TEXT NOT NULL, PRIMARY KEY (gateway, fw_id));
)sql";

// Schema 2 (issue 3): measured link rates, the campaign's expected end.
const char* kSchemaV2 = R"sql(
CREATE TABLE link_rates (
  gateway TEXT NOT NULL, device TEXT NOT NULL DEFAULT '', bytes INTEGER NOT NULL, millis INTEGER NOT NULL,
  source TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (gateway, device));
ALTER TABLE campaigns ADD COLUMN expected_end TEXT;
)sql";

// Schema 3 (issue 6): the signed manifest (chunk list, expiry, signature) as JSON.
const char* kSchemaV3 = R"sql(
ALTER TABLE firmware ADD COLUMN signed_manifest TEXT NOT NULL DEFAULT '';
)sql";

// Schema 4 (issue 5): the operator suspended this device's update (R19).
const char* kSchemaV4 = R"sql(
ALTER TABLE targets ADD COLUMN suspended INTEGER NOT NULL DEFAULT 0;
)sql";

// Schema 5 (issues 5, 7, 8): the campaign's retry policy (R17) and the devices
// it could not include (Fig. 21), each target's own update time, the device
// parameters set by the operator, and the index settle() reads. Created
// "if not exists": earlier programs made these tables at every start.
const char* kSchemaV5 = R"sql(
CREATE TABLE IF NOT EXISTS campaign_retry (
  campaign TEXT PRIMARY KEY, max_retries INTEGER NOT NULL, backoff_ms INTEGER NOT NULL,
  power_on_timeout_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS campaign_skipped (
  campaign TEXT NOT NULL, device TEXT NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (campaign, device));
CREATE TABLE IF NOT EXISTS target_times (
  campaign TEXT NOT NULL, device TEXT NOT NULL, update_at TEXT NOT NULL, PRIMARY KEY (campaign, device));
CREATE INDEX IF NOT EXISTS targets_by_gateway_state ON targets(campaign, gateway, state);
CREATE TABLE IF NOT EXISTS device_params (
  device TEXT NOT NULL PRIMARY KEY, deferment_ms INTEGER NOT NULL, set_at TEXT NOT NULL);
)sql";

// Schema 6 (issue 16): campaign-level control. The last command per campaign
// (pause, resume, cancel, with the reason) and, per gateway of the campaign,
// whether it confirmed that command (the manager sends it again until it did).
const char* kSchemaV6 = R"sql(
CREATE TABLE IF NOT EXISTS campaign_commands (
  campaign TEXT PRIMARY KEY REFERENCES campaigns(id), action TEXT NOT NULL, request_id TEXT NOT NULL,
  reason TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS campaign_command_gateways (
  campaign TEXT NOT NULL, gateway TEXT NOT NULL, request_id TEXT NOT NULL, confirmed_at TEXT,
  PRIMARY KEY (campaign, gateway));
CREATE INDEX IF NOT EXISTS campaign_command_gateways_by_gateway ON campaign_command_gateways(gateway, confirmed_at);
)sql";

// Schema 7 (issue 16 item 3): the campaign's failure threshold (its JSON,
// common/failure_threshold.hpp) and what the threshold had counted when an
// operator last resumed the campaign (only failures beyond those count again).
const char* kSchemaV7 = R"sql(
CREATE TABLE IF NOT EXISTS campaign_failure_thresholds (
  campaign TEXT PRIMARY KEY REFERENCES campaigns(id), threshold TEXT NOT NULL,
  counted_ended INTEGER NOT NULL DEFAULT 0, counted_failed INTEGER NOT NULL DEFAULT 0);
)sql";

// Schema 8 (issue 16 item 2): a campaign's waves (the plan as given, the seed
// that ordered its targets, each wave's cumulative size, the newest open wave
// and when it met its success share) and each target's wave. New tables only.
const char* kSchemaV8 = R"sql(
CREATE TABLE IF NOT EXISTS campaign_waves (
  campaign TEXT PRIMARY KEY REFERENCES campaigns(id), plan TEXT NOT NULL, seed TEXT NOT NULL,
  counts TEXT NOT NULL, open_wave INTEGER NOT NULL, success_met_at TEXT);
CREATE TABLE IF NOT EXISTS target_waves (
  campaign TEXT NOT NULL, device TEXT NOT NULL, wave INTEGER NOT NULL, PRIMARY KEY (campaign, device));
CREATE INDEX IF NOT EXISTS target_waves_by_wave ON target_waves(campaign, wave);
)sql";

// Schema 9 (issue 16 items 4 and 5): a campaign's rate limits with each
// gateway's share of them (the JSON of common/rate_limits.hpp, fixed at
// creation so every re-published schedule carries the same share), and each
// gateway's maintenance window (common/maintenance_window.hpp) as the
// operator set it.
const char* kSchemaV9 = R"sql(
CREATE TABLE IF NOT EXISTS campaign_rate_limits (
  campaign TEXT PRIMARY KEY REFERENCES campaigns(id), limits TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS gateway_windows (
  gateway TEXT PRIMARY KEY, spec TEXT NOT NULL, tz TEXT NOT NULL, set_at TEXT NOT NULL);
)sql";

// Schema 10 (issue 19 item 3): the audit log, one row per operator request
// that changes something, written in the transaction of the change.
// Append-only: the triggers refuse every UPDATE and DELETE.
const char* kSchemaV10 = R"sql(
CREATE TABLE IF NOT EXISTS audit_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, identity TEXT NOT NULL, client TEXT NOT NULL,
  req_id TEXT NOT NULL, op TEXT NOT NULL, args TEXT NOT NULL, ok INTEGER NOT NULL, code TEXT NOT NULL,
  outcome TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_log_by_time ON audit_log(at);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
)sql";

// Schema 11 (issue 20): what every `results` page reads, in index order: the
// rows by gateway, then device, and the summary's count per state. With
// 1,000,000 targets both were sorts of every target for each page (the
// count per state was half of a page's time). Indexes only.
const char* kSchemaV11 = R"sql(
CREATE INDEX IF NOT EXISTS targets_by_gateway_device ON targets(campaign, gateway, device);
CREATE INDEX IF NOT EXISTS targets_by_state ON targets(campaign, state);
)sql";

// Schema 12 (issue 17 follow-up): deltas and compressed images given up
// (larger than their limit, or failed), by (source, target) image SHA-256
// (source '' for a compressed image), so a restarted manager does not make
// them again. New table only.
const char* kSchemaV12 = R"sql(
CREATE TABLE IF NOT EXISTS encodings_given_up (
  source_sha256 TEXT NOT NULL, target_sha256 TEXT NOT NULL, source_fw TEXT NOT NULL, source_version TEXT NOT NULL,
  target_fw TEXT NOT NULL, reason TEXT NOT NULL, bytes INTEGER NOT NULL, image_bytes INTEGER NOT NULL,
  at TEXT NOT NULL, PRIMARY KEY (source_sha256, target_sha256));
)sql";

// Every schema step, oldest first (kSchemaVersion is the last one's).
const std::vector<Migration> kMigrations{
    {1, kSchema},   {2, kSchemaV2}, {3, kSchemaV3}, {4, kSchemaV4},   {5, kSchemaV5},   {6, kSchemaV6},
    {7, kSchemaV7}, {8, kSchemaV8}, {9, kSchemaV9}, {10, kSchemaV10}, {11, kSchemaV11}, {kSchemaVersion, kSchemaV12}};

const char* kFirmwareCols =
    "fw_id, model, component, version, size, sha256, chunk_size, allow_downgrade, added_at, signed_manifest";
const char* kDeviceCols = "id, gateway, model, status, firmware, last_seen";
const char* kCampaignCols = "id, created_at, mode, update_at, transmit_at, expires_at, state, expected_end";
const char* kTargetCols =
    "campaign, device, gateway, model, fw_ids, old_versions, new_versions, state, progress, detail, started_at, "
    "ended_at, suspended";

FirmwareRecord firmware_row(const Statement& s) {
    FirmwareRecord r;
    auto& m = r.manifest;
    m.fw_id = s.text(0);
    m.model = s.text(1);
    m.component = s.text(2);
    m.version = s.text(3);
    m.size = static_cast<std::uint64_t>(s.int64(4));
    m.sha256 = s.text(5);
    m.chunk_size = static_cast<std::uint32_t>(s.int64(6));
    m.chunk_count = chunk_count_for(m.size, m.chunk_size);
    m.allow_downgrade = s.int64(7) != 0;
    r.added_at = time_col(s, 8);
    // The signed manifest (chunk list, expiry, signature) as JSON, written with the row.
    if (auto j = Json::parse(s.text(9), 16 * 1024 * 1024)) {
        if (auto full = manifest_from_json(j->get()); full && full->fw_id == m.fw_id) m = std::move(*full);
    }
    return r;
}

DeviceRecord device_row(const Statement& s) {
    return DeviceRecord{s.text(0), s.text(1), s.text(2), s.text(3), versions_from_json(s.text(4)), time_col(s, 5)};
}

CampaignRecord campaign_row(const Statement& s) {
    CampaignRecord c;
    c.id = s.text(0);
    c.created_at = time_col(s, 1);
    c.mode = s.text(2) == "push" ? TransferMode::Push : TransferMode::Pull;
    c.update_at = time_col(s, 3);
    c.transmit_at = opt_time_col(s, 4);
    c.expires_at = opt_time_col(s, 5);
    c.state = s.text(6);
    c.expected_end = opt_time_col(s, 7);
    return c;
}

TargetRecord target_row(const Statement& s) {
    TargetRecord t;
    t.campaign = s.text(0);
    t.device = s.text(1);
    t.gateway = s.text(2);
    t.model = s.text(3);
    t.fw_ids = split_ids(s.text(4));
    t.old_versions = versions_from_json(s.text(5));
    t.new_versions = versions_from_json(s.text(6));
    auto st = job_state_from_string(s.text(7));
    t.state = st ? *st : JobState::Failed;
    t.progress = static_cast<std::uint32_t>(s.int64(8));
    t.detail = s.text(9);
    t.started_at = opt_time_col(s, 10);
    t.ended_at = opt_time_col(s, 11);
    t.suspended = s.int64(12) != 0;
    return t;
}

}  // namespace

std::string versions_to_json(const Versions& v) {
    auto j = Json::object();
    for (const auto& [component, version] : v) json::put(j.get(), component.c_str(), std::string_view(version));
    return j.dump();
}

Versions versions_from_json(const std::string& text) {
    Versions out;
    auto j = Json::parse(text);
    if (!j) return out;
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, j->get()) {
        if (item->string && cJSON_IsString(item)) out[item->string] = item->valuestring;
    }
    return out;
}

Expected<std::unique_ptr<ManagerStore>> ManagerStore::open(const std::filesystem::path& db_path) {
    auto db = Database::open(db_path);
    if (!db) return db.error();
    std::unique_ptr<ManagerStore> store(new ManagerStore(std::move(*db)));
    auto st = apply_migrations(*store->db_, kMigrations);
    if (!st) return st.error().with_context("schema of " + db_path.string());
    return store;
}

Status ManagerStore::set_target_update_at(const std::string& campaign, const std::string& device, TimePoint at) {
    auto stmt = db_->prepare("INSERT OR REPLACE INTO target_times (campaign, device, update_at) VALUES (?1, ?2, ?3)");
    if (!stmt) return stmt.error();
    return stmt->bind(1, sv(campaign)).bind(2, sv(device)).bind(3, sv(format_time(at))).run();
}

Expected<std::map<std::string, TimePoint>> ManagerStore::target_update_times(const std::string& campaign) {
    auto stmt = db_->prepare("SELECT device, update_at FROM target_times WHERE campaign = ?1");
    if (!stmt) return stmt.error();
    stmt->bind(1, sv(campaign));
    std::map<std::string, TimePoint> out;
    while (true) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (!*row) break;
        if (auto t = parse_time(stmt->text(1))) out[stmt->text(0)] = *t;
    }
    return out;
}

Expected<std::optional<TimePoint>> ManagerStore::target_update_at(const std::string& campaign,
                                                                  const std::string& device) {
    auto stmt = db_->prepare("SELECT update_at FROM target_times WHERE campaign = ?1 AND device = ?2");
    if (!stmt) return stmt.error();
    stmt->bind(1, sv(campaign)).bind(2, sv(device));
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) return std::optional<TimePoint>();
    return opt_time_col(*stmt, 0);
}

Status ManagerStore::set_deferment(const std::string& device, const DefermentParam& p) {
    auto stmt = db_->prepare("INSERT OR REPLACE INTO device_params (device, deferment_ms, set_at) VALUES (?1, ?2, ?3)");
    if (!stmt) return stmt.error();
    return stmt->bind(1, sv(device)).bind(2, std::int64_t{p.value.count()}).bind(3, sv(format_time(p.set_at))).run();
}

namespace {
using DeviceDeferment = std::pair<std::string, DefermentParam>;
DeviceDeferment deferment_row(const Statement& s) {
    auto t = parse_time(s.text(2));
    return {s.text(0), DefermentParam{Millis(s.int64(1)), t ? *t : TimePoint{}}};
}
}  // namespace

Expected<std::map<std::string, DefermentParam>> ManagerStore::deferments() {
    auto rows =
        collect<DeviceDeferment>(db_->prepare("SELECT device, deferment_ms, set_at FROM device_params"), deferment_row);
    if (!rows) return rows.error();
    return std::map<std::string, DefermentParam>(rows->begin(), rows->end());
}

Expected<std::optional<DefermentParam>> ManagerStore::deferment(const std::string& device) {
    auto stmt = db_->prepare("SELECT device, deferment_ms, set_at FROM device_params WHERE device = ?1");
    if (stmt) stmt->bind(1, sv(device));
    auto row = first(collect<DeviceDeferment>(std::move(stmt), deferment_row));
    if (!row) return row.error();
    return *row ? std::optional<DefermentParam>((*row)->second) : std::nullopt;
}

// ---- firmware ---------------------------------------------------------------
Expected<std::optional<FirmwareRecord>> ManagerStore::find_firmware(const std::string& fw_id) {
    auto stmt = db_->prepare(std::string("SELECT ") + kFirmwareCols + " FROM firmware WHERE fw_id = ?1");
    if (stmt) stmt->bind(1, sv(fw_id));
    return first(collect<FirmwareRecord>(std::move(stmt), firmware_row));
}

Expected<std::vector<FirmwareRecord>> ManagerStore::list_firmware() {
    return collect<FirmwareRecord>(
        db_->prepare(std::string("SELECT ") + kFirmwareCols + " FROM firmware ORDER BY model, component, added_at"),
        firmware_row);
}

Expected<std::map<std::string, std::vector<FirmwareUse>>> ManagerStore::firmware_uses() {
    // One row per distinct (campaign, image list): a few per campaign, however many targets it has.
    auto rows = collect<std::pair<FirmwareUse, std::string>>(
        db_->prepare("SELECT DISTINCT t.campaign, c.state, t.fw_ids FROM targets t JOIN campaigns c ON c.id = "
                     "t.campaign ORDER BY c.created_at, t.campaign"),
        [](const Statement& s) {
            return std::make_pair(FirmwareUse{s.text(0), s.text(1)}, s.text(2));
        });
    if (!rows) return rows.error();
    std::map<std::string, std::vector<FirmwareUse>> uses;
    for (const auto& [use, fw_ids] : *rows)
        for (const auto& fw : split_ids(fw_ids)) {
            auto& list = uses[fw];
            if (list.empty() || list.back().campaign != use.campaign) list.push_back(use);
        }
    return uses;
}

Status ManagerStore::delete_firmware(const std::string& fw_id) {
    auto stmt = db_->prepare("DELETE FROM firmware WHERE fw_id = ?1");
    if (!stmt) return stmt.error();
    stmt->bind(1, sv(fw_id));
    return stmt->run();
}

Status ManagerStore::insert_firmware(const FirmwareRecord& r) {
    auto stmt = db_->prepare(std::string("INSERT INTO firmware (") + kFirmwareCols +
                             ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    if (!stmt) return stmt.error();
    const auto& m = r.manifest;
    stmt->bind(1, sv(m.fw_id)).bind(2, sv(m.model)).bind(3, sv(m.component)).bind(4, sv(m.version));
    stmt->bind(5, i64(m.size)).bind(6, sv(m.sha256)).bind(7, i64(m.chunk_size));
    auto signed_json = Json::object();
    to_json(signed_json.get(), m);
    auto signed_text = signed_json.dump();
    stmt->bind(8, std::int64_t{m.allow_downgrade ? 1 : 0}).bind(9, sv(format_time(r.added_at)));
    stmt->bind(10, sv(signed_text));
    return stmt->run();
}

// ---- devices ----------------------------------------------------------------
Status ManagerStore::upsert_device(const DeviceRecord& r) {
    auto stmt = db_->prepare(
        "INSERT INTO devices (id, gateway, model, status, firmware, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
        "ON CONFLICT(id) DO UPDATE SET gateway = excluded.gateway, model = excluded.model, status = excluded.status, "
        "firmware = CASE WHEN excluded.firmware = '{}' THEN devices.firmware ELSE excluded.firmware END, "
        "last_seen = excluded.last_seen");
    if (!stmt) return stmt.error();
    stmt->bind(1, sv(r.id)).bind(2, sv(r.gateway)).bind(3, sv(r.model)).bind(4, sv(r.status));
    stmt->bind(5, sv(versions_to_json(r.firmware))).bind(6, sv(format_time(r.last_seen)));
    return stmt->run();
}

Expected<std::optional<DeviceRecord>> ManagerStore::find_device(const std::string& id) {
    auto stmt = db_->prepare(std::string("SELECT ") + kDeviceCols + " FROM devices WHERE id = ?1");
    if (stmt) stmt->bind(1, sv(id));
    return first(collect<DeviceRecord>(std::move(stmt), device_row));
}

Expected<std::vector<DeviceRecord>> ManagerStore::list_devices() {
    return collect<DeviceRecord>(db_->prepare(std::string("SELECT ") + kDeviceCols + " FROM devices ORDER BY id"),
                                 device_row);
}

// ---- gateways ---------------------------------------------------------------
Status ManagerStore::upsert_gateway(const GatewayRecord& r) {
    auto stmt = db_->prepare(
        "INSERT INTO gateways (id, status, last_seen) VALUES (?1, ?2, ?3) "
        "ON CONFLICT(id) DO UPDATE SET status = excluded.status, last_seen = excluded.last_seen");
    if (!stmt) return stmt.error();
    stmt->bind(1, sv(r.id)).bind(2, sv(r.status)).bind(3, sv(format_time(r.last_seen)));
    return stmt->run();
}

Expected<std::vector<GatewayRecord>> ManagerStore::list_gateways() {
    return collect<GatewayRecord>(db_->prepare("SELECT id, status, last_seen FROM gateways ORDER BY id"),
                                  [](const Statement& s) {
                                      return GatewayRecord{s.text(0), s.text(1), time_col(s, 2)};
                                  });
}

// ---- campaigns --------------------------------------------------------------
Status ManagerStore::insert_campaign(const CampaignRecord& c, const std::vector<TargetRecord>& targets,
                                     const std::vector<std::pair<std::string, std::string>>& skipped) {
    return db_->transaction([&]() -> Status {
        auto stmt = db_->prepare(std::string("INSERT INTO campaigns (") + kCampaignCols +
                                 ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
        if (!stmt) return stmt.error();
        stmt->bind(1, sv(c.id)).bind(2, sv(format_time(c.created_at))).bind(3, to_string(c.mode));
        stmt->bind(4, sv(format_time(c.update_at))).bind(5, opt_time(c.transmit_at)).bind(6, opt_time(c.expires_at));
        stmt->bind(7, sv(c.state)).bind(8, opt_time(c.expected_end));
        auto st = stmt->run();
        if (!st) return st;
        for (const auto& t : targets) {
            st = write_target(t, true);
            if (!st) return st;
        }
        st = insert_campaign_extras(c, skipped);
        if (!st) return st;
        return write_waves(c, targets);
    });
}

Expected<std::optional<CampaignRecord>> ManagerStore::find_campaign(const std::string& id) {
    auto stmt = db_->prepare(std::string("SELECT ") + kCampaignCols + " FROM campaigns WHERE id = ?1");
    if (stmt) stmt->bind(1, sv(id));
    auto all = collect<CampaignRecord>(std::move(stmt), campaign_row);
    if (all) {
        auto st = fill_retry(*all);
        if (!st) return st.error();
    }
    return first(std::move(all));
}

Expected<std::vector<CampaignRecord>> ManagerStore::campaigns_in_states(const std::vector<std::string_view>& states) {
    std::vector<CampaignRecord> out;
    for (auto state : states) {
        auto some = campaigns_in_state(state);
        if (!some) return some.error();
        out.insert(out.end(), some->begin(), some->end());
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const CampaignRecord& a, const CampaignRecord& b) { return a.created_at < b.created_at; });
    return out;
}

Expected<std::vector<CampaignRecord>> ManagerStore::campaigns_in_state(std::string_view state) {
    auto stmt =
        db_->prepare(std::string("SELECT ") + kCampaignCols + " FROM campaigns WHERE state = ?1 ORDER BY created_at");
    if (stmt) stmt->bind(1, state);
    auto all = collect<CampaignRecord>(std::move(stmt), campaign_row);
    if (all) {
        auto st = fill_retry(*all);
        if (!st) return st.error();
    }
    return all;
}

Status ManagerStore::set_campaign_state(const std::string& id, std::string_view state) {
    auto stmt = db_->prepare("UPDATE campaigns SET state = ?2 WHERE id = ?1");
    if (!stmt) return stmt.error();
    stmt->bind(1, sv(id)).bind(2, state);
    return stmt->run();
}

Expected<std::vector<TargetRecord>> ManagerStore::targets(const std::string& campaign) {
    auto stmt = db_->prepare(std::string("SELECT ") + kTargetCols +
                             " FROM targets WHERE campaign = ?1 ORDER BY gateway, device");
    if (stmt) stmt->bind(1, sv(campaign));
    return collect<TargetRecord>(std::move(stmt), target_row);
}

Expected<std::vector<TargetRecord>> ManagerStore::targets_page(const std::string& campaign, std::uint64_t offset,
                                                               std::uint64_t limit) {
    auto stmt = db_->prepare(std::string("SELECT ") + kTargetCols +
                             " FROM targets WHERE campaign = ?1 ORDER BY gateway, device LIMIT ?2 OFFSET ?3");
    if (stmt) stmt->bind(1, sv(campaign)).bind(2, i64(limit)).bind(3, i64(offset));
    return collect<TargetRecord>(std::move(stmt), target_row);
}

Expected<std::map<JobState, std::uint64_t>> ManagerStore::target_state_counts(const std::string& campaign) {
    auto stmt = db_->prepare("SELECT state, COUNT(*) FROM targets WHERE campaign = ?1 GROUP BY state");
    if (!stmt) return stmt.error();
    stmt->bind(1, sv(campaign));
    std::map<JobState, std::uint64_t> out;
    while (true) {
        auto r = stmt->step();
        if (!r) return r.error();
        if (!*r) break;
        auto st = job_state_from_string(stmt->text(0));
        out[st ? *st : JobState::Failed] += static_cast<std::uint64_t>(stmt->int64(1));
    }
    return out;
}

Expected<std::map<std::string, ManagerStore::GatewayProgress>> ManagerStore::target_progress_by_gateway(
    const std::string& campaign) {
    auto stmt = db_->prepare(
        "SELECT gateway, state, COUNT(*), SUM(progress) FROM targets WHERE campaign = ?1 GROUP BY gateway, state");
    if (!stmt) return stmt.error();
    stmt->bind(1, sv(campaign));
    std::map<std::string, GatewayProgress> out;
    while (true) {
        auto r = stmt->step();
        if (!r) return r.error();
        if (!*r) break;
        auto state = job_state_from_string(stmt->text(1));
        bool ended = !state || is_terminal(*state);
        auto n = static_cast<std::uint64_t>(stmt->int64(2));
        auto& gw = out[stmt->text(0)];
        gw.total += n;
        gw.ended += ended ? n : 0;
        gw.progress_sum += ended ? 100 * n : static_cast<std::uint64_t>(stmt->int64(3));
    }
    return out;
}

Expected<std::uint64_t> ManagerStore::open_targets(const std::string& campaign,
                                                   const std::optional<std::string>& gateway) {
    std::string open_states;
    for (auto st : {JobState::Waiting, JobState::Fetching, JobState::Requesting, JobState::Transferring,
                    JobState::Installing, JobState::Restarting})
        open_states += std::string(open_states.empty() ? "'" : ", '") + std::string(to_string(st)) + "'";
    auto stmt = db_->prepare("SELECT COUNT(*) FROM targets WHERE campaign = ?1" +
                             std::string(gateway ? " AND gateway = ?2" : "") + " AND state IN (" + open_states + ")");
    if (!stmt) return stmt.error();
    stmt->bind(1, sv(campaign));
    if (gateway) stmt->bind(2, sv(*gateway));
    auto row = stmt->step();
    if (!row) return row.error();
    return *row ? static_cast<std::uint64_t>(stmt->int64(0)) : std::uint64_t{0};
}

Expected<std::optional<TargetRecord>> ManagerStore::find_target(const std::string& campaign,
                                                                const std::string& device) {
    auto stmt =
        db_->prepare(std::string("SELECT ") + kTargetCols + " FROM targets WHERE campaign = ?1 AND device = ?2");
    if (stmt) stmt->bind(1, sv(campaign)).bind(2, sv(device));
    return first(collect<TargetRecord>(std::move(stmt), target_row));
}

Status ManagerStore::update_target(const TargetRecord& t) { return write_target(t, false); }

Status ManagerStore::write_target(const TargetRecord& t, bool insert) {
    auto stmt = db_->prepare(
        insert ? std::string("INSERT INTO targets (") + kTargetCols +
                     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
               : std::string("UPDATE targets SET gateway = ?3, model = ?4, fw_ids = ?5, old_versions = ?6, "
                             "new_versions = ?7, state = ?8, progress = ?9, detail = ?10, started_at = ?11, "
                             "ended_at = ?12, suspended = ?13 WHERE campaign = ?1 AND device = ?2"));
    if (!stmt) return stmt.error();
    stmt->bind(1, sv(t.campaign)).bind(2, sv(t.device)).bind(3, sv(t.gateway)).bind(4, sv(t.model));
    stmt->bind(5, sv(join_ids(t.fw_ids))).bind(6, sv(versions_to_json(t.old_versions)));
    stmt->bind(7, sv(versions_to_json(t.new_versions))).bind(8, to_string(t.state));
    stmt->bind(9, std::int64_t{t.progress}).bind(10, sv(t.detail));
    stmt->bind(11, opt_time(t.started_at)).bind(12, opt_time(t.ended_at));
    stmt->bind(13, std::int64_t{t.suspended ? 1 : 0});
    return stmt->run();
}

// ---- transfers and caches ---------------------------------------------------
Status ManagerStore::add_transfers(const std::map<TransferKey, TransferRecord>& deltas) {
    if (deltas.empty()) return ok_status();
    return db_->transaction([&]() -> Status {
        auto stmt = db_->prepare(
            "INSERT INTO transfers (gateway, fw_id, chunks_sent, bytes_sent) VALUES (?1, ?2, ?3, ?4) "
            "ON CONFLICT(gateway, fw_id) DO UPDATE SET chunks_sent = chunks_sent + excluded.chunks_sent, "
            "bytes_sent = bytes_sent + excluded.bytes_sent");
        if (!stmt) return stmt.error();
        for (const auto& [key, d] : deltas) {
            stmt->bind(1, sv(key.first)).bind(2, sv(key.second)).bind(3, i64(d.chunks_sent)).bind(4, i64(d.bytes_sent));
            auto st = stmt->run();
            if (!st) return st;
        }
        return ok_status();
    });
}

Expected<TransferRecord> ManagerStore::transfer(const std::string& gateway, const std::string& fw_id) {
    auto stmt = db_->prepare("SELECT chunks_sent, bytes_sent FROM transfers WHERE gateway = ?1 AND fw_id = ?2");
    if (stmt) stmt->bind(1, sv(gateway)).bind(2, sv(fw_id));
    auto rows = collect<TransferRecord>(std::move(stmt), [&](const Statement& s) {
        return TransferRecord{gateway, fw_id, static_cast<std::uint64_t>(s.int64(0)),
                              static_cast<std::uint64_t>(s.int64(1))};
    });
    if (!rows) return rows.error();
    if (rows->empty()) return TransferRecord{gateway, fw_id, 0, 0};
    return rows->front();
}

Expected<std::vector<TransferRecord>> ManagerStore::campaign_transfers(const std::string& campaign) {
    auto stmt = db_->prepare(
        "SELECT gateway, fw_id, chunks_sent, bytes_sent FROM transfers WHERE gateway IN "
        "(SELECT DISTINCT gateway FROM targets WHERE campaign = ?1) ORDER BY gateway, fw_id");
    if (stmt) stmt->bind(1, sv(campaign));
    return collect<TransferRecord>(std::move(stmt), [](const Statement& s) {
        return TransferRecord{s.text(0), s.text(1), static_cast<std::uint64_t>(s.int64(2)),
                              static_cast<std::uint64_t>(s.int64(3))};
    });
}

Expected<std::set<std::string>> ManagerStore::campaign_images(const std::string& campaign) {
    auto stmt = db_->prepare("SELECT DISTINCT fw_ids FROM targets WHERE campaign = ?1");
    if (stmt) stmt->bind(1, sv(campaign));
    auto rows = collect<std::string>(std::move(stmt), [](const Statement& s) { return s.text(0); });
    if (!rows) return rows.error();
    std::set<std::string> out;
    for (const auto& ids : *rows)
        for (auto& id : split_ids(ids)) out.insert(std::move(id));
    return out;
}

Status ManagerStore::upsert_cache(const std::string& gateway, const std::string& fw_id, const std::string& state,
                                  std::uint64_t bytes, TimePoint at) {
    auto stmt = db_->prepare(
        "INSERT INTO gateway_cache (gateway, fw_id, state, bytes, at) VALUES (?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT(gateway, fw_id) DO UPDATE SET state = excluded.state, bytes = excluded.bytes, at = excluded.at");
    if (!stmt) return stmt.error();
    stmt->bind(1, sv(gateway)).bind(2, sv(fw_id)).bind(3, sv(state)).bind(4, i64(bytes)).bind(5, sv(format_time(at)));
    return stmt->run();
}

Expected<bool> ManagerStore::cached_or_pushed(const std::string& gateway, const std::string& fw_id) {
    auto stmt = db_->prepare(
        "SELECT 1 FROM gateway_cache WHERE gateway = ?1 AND fw_id = ?2 AND state = 'cached' "
        "UNION ALL SELECT 1 FROM pushes WHERE gateway = ?1 AND fw_id = ?2");
    if (!stmt) return stmt.error();
    stmt->bind(1, sv(gateway)).bind(2, sv(fw_id));
    return stmt->step();
}

Status ManagerStore::record_push(const std::string& gateway, const std::string& fw_id, const std::string& campaign,
                                 TimePoint at) {
    auto stmt =
        db_->prepare("INSERT OR IGNORE INTO pushes (gateway, fw_id, campaign, pushed_at) VALUES (?1, ?2, ?3, ?4)");
    if (!stmt) return stmt.error();
    stmt->bind(1, sv(gateway)).bind(2, sv(fw_id)).bind(3, sv(campaign)).bind(4, sv(format_time(at)));
    return stmt->run();
}

// ---- link rates -----------------------------------------------------------
Status ManagerStore::upsert_rate(const LinkRateRecord& r) {
    auto stmt = db_->prepare(
        "INSERT INTO link_rates (gateway, device, bytes, millis, source, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
        "ON CONFLICT(gateway, device) DO UPDATE SET bytes = excluded.bytes, millis = excluded.millis, "
        "source = excluded.source, at = excluded.at");
    if (!stmt) return stmt.error();
    stmt->bind(1, sv(r.gateway)).bind(2, sv(r.device)).bind(3, i64(r.bytes)).bind(4, i64(r.millis));
    stmt->bind(5, sv(r.source)).bind(6, sv(format_time(r.at)));
    return stmt->run();
}

Expected<std::vector<LinkRateRecord>> ManagerStore::list_rates() {
    return collect<LinkRateRecord>(
        db_->prepare("SELECT gateway, device, bytes, millis, source, at FROM link_rates ORDER BY gateway, device"),
        [](const Statement& s) {
            return LinkRateRecord{s.text(0),
                                  s.text(1),
                                  static_cast<std::uint64_t>(s.int64(2)),
                                  static_cast<std::uint64_t>(s.int64(3)),
                                  s.text(4),
                                  time_col(s, 5)};
        });
}

}  // namespace fleetcast::manager
