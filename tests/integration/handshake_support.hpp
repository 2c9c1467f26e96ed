#pragma once
// Helpers of the handshake / defer / cancel integration tests (R11-R15, R20).
#include <string>

#include "common/atomic_file.hpp"
#include "common/json.hpp"
#include "common/sqlite_db.hpp"
#include "tests/integration/fleet.hpp"
#include "tests/support/observer.hpp"

namespace fleetcast::testing {

inline std::string serial_id(const std::string& model, int serial) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s-%06d", model.c_str(), serial);
    return buf;
}

// One row of `fleetcast results CAMPAIGN --json` as strings (empty when absent).
struct ResultRow {
    std::string state, result, detail, update_at;
};

inline ResultRow result_row(Fleet& fleet, const std::string& campaign, const std::string& device) {
    auto r = fleet.cli({"results", campaign, "--json"});
    ResultRow row;
    auto pos = r.output.find('{');
    if (r.exit_code != 0 || pos == std::string::npos) return row;
    auto j = Json::parse(r.output.substr(pos), 64 * 1024 * 1024);
    if (!j) return row;
    const cJSON* d = nullptr;
    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(j->get(), "devices")) {
        if (json::get_optional_string(d, "device").value_or("") != device) continue;
        row.state = json::get_optional_string(d, "state").value_or("");
        row.result = json::get_optional_string(d, "result").value_or("");
        row.detail = json::get_optional_string(d, "detail").value_or("");
        row.update_at = json::get_optional_string(d, "update_at").value_or("");
    }
    return row;
}

// The gateway's table row (necessity, comment, state) read from its database.
struct GatewayRow {
    std::string necessity, comment, state, update_at;
};

inline GatewayRow gateway_row(Fleet& fleet, const std::string& gw, const std::string& device) {
    GatewayRow row;
    auto db = Database::open(fleet.dir() / ("gateway-" + gw) / "gateway.db");
    if (!db) return row;
    auto s = (*db)->prepare("SELECT necessity, comment, state, update_at FROM jobs WHERE device = ?1");
    if (!s) return row;
    s->bind(1, std::string_view(device));
    auto has = s->step();
    if (!has || !*has) return row;
    return {s->text(0), s->text(1), s->text(2), s->text(3)};
}

// The version of `component` a device boots, from its state file.
inline std::string booted_version(Fleet& fleet, const std::string& device, const std::string& component = "main") {
    auto text = read_file(fleet.device_dir(device) / "state.json");
    if (!text) return {};
    auto j = Json::parse(*text);
    if (!j) return {};
    auto comps = json::get_object(j->get(), "components");
    if (!comps) return {};
    auto c = json::get_object(*comps, component.c_str());
    if (!c) return {};
    return json::get_optional_string(*c, "version").value_or("");
}

inline std::string campaign_of(const CommandResult& created) {
    return created.output.substr(0, created.output.find('\n'));
}

}  // namespace fleetcast::testing
