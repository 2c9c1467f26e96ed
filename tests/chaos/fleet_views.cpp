#include "tests/chaos/fleet_views.hpp"
#include <fstream>

#include "common/atomic_file.hpp"
#include "common/sha256.hpp"
#include "common/sqlite_db.hpp"
#include "device/device_state.hpp"

namespace fleetcast::testing::chaos {

namespace fs = std::filesystem;

namespace {
std::string str(const cJSON* o, const char* key) { return json::get_optional_string(o, key).value_or(""); }
}  // namespace

std::optional<Json> query(Fleet& fleet, const std::vector<std::string>& args) {
    auto with_json = args;
    with_json.push_back("--json");
    auto r = fleet.cli(with_json);
    if (r.exit_code != 0) return std::nullopt;
    std::string doc;
    if (r.output.rfind("{", 0) == 0) doc = r.output;
    else if (auto pos = r.output.find("\n{"); pos != std::string::npos) doc = r.output.substr(pos + 1);
    auto j = Json::parse(doc, 64 * 1024 * 1024);
    if (!j) return std::nullopt;
    return std::move(*j);
}

std::optional<CampaignResults> manager_results(Fleet& fleet, const std::string& campaign) {
    auto j = query(fleet, {"results", campaign});
    if (!j) return std::nullopt;
    CampaignResults out;
    out.pending = or_default(json::get_uint(j->get(), "pending", UINT64_MAX), UINT64_MAX);
    out.total = or_default(json::get_uint(j->get(), "total", UINT64_MAX), 0);
    const cJSON* d = nullptr;
    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(j->get(), "devices")) {
        ManagerRow row{str(d, "gateway"),
                       str(d, "model"),
                       str(d, "state"),
                       str(d, "result"),
                       str(d, "detail"),
                       str(d, "error"),
                       or_default(json::get_versions(d, "old"), Versions{}),
                       or_default(json::get_versions(d, "new"), Versions{}),
                       {}};
        const cJSON* id = nullptr;
        cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(d, "fw_ids")) if (cJSON_IsString(id))
            row.fw_ids.push_back(id->valuestring);
        out.devices[str(d, "device")] = std::move(row);
    }
    return out;
}

std::optional<std::map<std::string, Versions>> manager_devices(Fleet& fleet) {
    auto j = query(fleet, {"devices"});
    if (!j) return std::nullopt;
    std::map<std::string, Versions> out;
    const cJSON* d = nullptr;
    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(j->get(), "devices")) out[str(d, "device")] =
        or_default(json::get_versions(d, "firmware"), Versions{});
    return out;
}

std::map<std::string, std::string> gateway_jobs(const fs::path& gateway_db, const std::string& campaign) {
    std::map<std::string, std::string> out;
    auto db = Database::open(gateway_db);
    if (!db) return out;
    auto s = (*db)->prepare("SELECT device, state FROM jobs WHERE campaign = ?1");
    if (!s) return out;
    s->bind(1, std::string_view(campaign));
    while (true) {
        auto has = s->step();
        if (!has || !*has) break;
        out[s->text(0)] = s->text(1);
    }
    return out;
}

bool gateway_has_schedule(const fs::path& gateway_db, const std::string& campaign) {
    auto db = Database::open(gateway_db);
    if (!db) return false;
    auto s = (*db)->prepare("SELECT 1 FROM schedules WHERE campaign = ?1");
    if (!s) return false;
    s->bind(1, std::string_view(campaign));
    auto has = s->step();
    return has && *has;
}

DeviceView device_view(const fs::path& dir) {
    DeviceView v;
    auto text = read_file(dir / "state.json", 1024 * 1024);
    if (!text) {
        v.error = "state file unreadable: " + text.error().str();
        return v;
    }
    auto s = device::decode_nv_state(*text);
    if (!s) {
        v.error = "state file does not parse: " + s.error().str();
        return v;
    }
    v.parses = true;
    v.update_in_progress = s->update.has_value();
    v.trial_pending = s->trial.has_value();
    for (const auto& [component, c] : s->components) {
        v.booted[component] = c.version;
        v.state_sha256[component] = c.sha256;
        auto slot = dir / "slots" / component / (std::string(device::to_string(c.active)) + ".img");
        auto digest = sha256_file(slot);
        v.slot_sha256[component] = digest ? to_hex(*digest) : "unreadable " + slot.string();
    }
    return v;
}

std::map<std::string, std::string> gateway_logged_jobs(const std::filesystem::path& gateway_log,
                                                       const std::string& campaign) {
    std::map<std::string, std::string> out;
    std::ifstream in(gateway_log);
    std::string line;
    const std::string want = " campaign=" + campaign + " ";
    auto field = [](const std::string& l, const std::string& key) {
        auto pos = l.find(" " + key + "=");
        if (pos == std::string::npos) return std::string();
        pos += key.size() + 2;
        return l.substr(pos, l.find(' ', pos) - pos);
    };
    while (std::getline(in, line)) {
        if (line.find(" job_changed ") == std::string::npos || line.find(want) == std::string::npos) continue;
        auto device = field(line, "device");
        auto state = field(line, "state");
        if (!device.empty() && !state.empty()) out[device] = state;
    }
    return out;
}

}  // namespace fleetcast::testing::chaos
