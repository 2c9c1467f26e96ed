#include "device/panel_view.hpp"

#include <sstream>

#include "device/device_agent.hpp"

namespace fleetcast::device {

namespace {
std::string hhmmss(TimePoint t) {
    auto s = format_time(t);
    return s.size() >= 19 ? s.substr(11, 8) + " UTC" : s;
}

std::string version_of(const std::vector<FirmwareManifest>& fw, const std::string& component) {
    for (const auto& m : fw)
        if (m.component == component) return m.version;
    return {};
}

std::string str(const cJSON* o, const char* key) { return json::get_optional_string(o, key).value_or(""); }
}  // namespace

std::string panel_view_json(const DeviceConfig& config, const DeviceNvState& s, DeviceStatus status, bool writing,
                            const std::map<std::string, std::unique_ptr<ImageDownload>>& downloads) {
    auto j = Json::object();
    cJSON* o = j.get();
    json::put(o, "device", config.id);
    json::put(o, "model", config.model);
    json::put(o, "gateway", config.gateway);
    json::put(o, "status", to_string(status));
    if (!s.condition.activity.empty()) json::put(o, "activity", s.condition.activity);
    if (!s.condition.service_call.empty()) json::put(o, "service_call", s.condition.service_call);
    if (s.deferment) put_deferment(o, "deferment", *s.deferment);
    std::string screen = "normal", campaign;
    std::uint64_t got = 0, total = 0;
    for (const auto& [id, d] : downloads) got += d->received(), total += d->chunk_count();
    if (s.pending_request) {
        screen = "waiting";
        campaign = s.pending_request->campaign;
        json::put(o, "expected_end", s.pending_request->answer_at);
    } else if (s.update) {
        screen = "updating";
        campaign = s.update->campaign;
        json::put(o, "phase", writing ? "writing" : "receiving");
        json::put(o, "progress", total ? got * 100 / total : std::uint64_t{0});
    } else if (!s.held_campaign.empty()) {
        screen = "suspended";
        campaign = s.held_campaign;
    } else if (s.postponed_until) {
        screen = "postponed";
        json::put(o, "postponed_until", *s.postponed_until);
    } else if (s.last_update) {
        screen = s.last_update->result == "canceled" ? "canceled" : "ended";
        campaign = s.last_update->campaign;
    }
    json::put(o, "screen", screen);
    if (!campaign.empty()) json::put(o, "campaign", campaign);
    cJSON* fw = cJSON_AddArrayToObject(o, "firmware");
    for (const auto& [component, c] : s.components) {
        std::string recommended, set = c.version, action = "-";
        if (s.pending_request) {
            recommended = version_of(s.pending_request->firmware, component);
            if (!recommended.empty()) action = "waiting";
        } else if (s.update) {
            recommended = version_of(s.update->firmware, component);
            if (!recommended.empty()) set = recommended, action = writing ? "updating" : "downloading";
        } else if (s.last_update) {
            auto it = s.last_update->new_versions.find(component);
            auto old = s.last_update->old_versions.find(component);
            if (it != s.last_update->new_versions.end()) recommended = it->second;
            bool changed = old == s.last_update->old_versions.end() || old->second != recommended;
            if (s.last_update->result == "normal_end" && changed) action = "normal end";
            if (s.last_update->result == "canceled") action = "canceled";
        }
        cJSON* item = cJSON_CreateObject();
        json::put(item, "component", component);
        json::put(item, "current", c.version);
        json::put(item, "recommended", recommended.empty() ? c.version : recommended);
        json::put(item, "set", set);
        json::put(item, "action", action);
        cJSON_AddItemToArray(fw, item);
    }
    if (s.last_update) put_last_update(o, *s.last_update);
    return j.dump();
}

std::string render_panel(const cJSON* v) {
    std::ostringstream out;
    out << "+-- " << str(v, "device") << " (" << str(v, "model") << ", gateway " << str(v, "gateway") << ") --\n";
    out << "| status: " << str(v, "status");
    if (!str(v, "activity").empty()) out << " (" << str(v, "activity") << ")";
    if (!str(v, "service_call").empty()) out << " (service call " << str(v, "service_call") << ")";
    out << "\n";
    if (auto d = cJSON_GetObjectItemCaseSensitive(v, "deferment")) {
        auto ms = json::get_uint(d, "value_ms", UINT64_MAX);
        auto at = json::get_optional_string(d, "set_at").value_or("");
        out << "| deferment: " << (ms ? *ms / 1000 : 0) << " s (set " << at << ")\n";
    }
    std::string screen = str(v, "screen"), keys = "[q] quit";
    auto expected = json::get_optional_string(v, "expected_end");
    if (screen == "waiting") {
        auto t = expected ? parse_time(*expected) : Expected<TimePoint>(make_error("none", ""));
        out << "| WAITING FOR FIRMWARE UPDATING (expected end " << (t ? hhmmss(*t) : "?") << ")\n";
        out << "| campaign " << str(v, "campaign") << "\n";
        keys = "[d] defer  [c] cancel  [q] quit";
    } else if (screen == "updating") {
        auto pct = json::get_uint(v, "progress", 100);
        out << "| UPDATING FIRMWARE: " << str(v, "phase") << " " << (pct ? *pct : 0) << "%\n";
        out << "| campaign " << str(v, "campaign") << "\n";
        keys = "[c] cancel  [q] quit";
    } else if (screen == "suspended") {
        out << "| UPDATE SUSPENDED by the operator: it goes on from the chunks received when resumed\n";
        out << "| campaign " << str(v, "campaign") << "\n";
    } else if (screen == "postponed") {
        auto t = parse_time(str(v, "postponed_until"));
        out << "| UPDATE DEFERRED: the gateway asks again at " << (t ? hhmmss(*t) : "?") << "\n";
    } else if (screen == "ended" || screen == "canceled") {
        const cJSON* l = cJSON_GetObjectItemCaseSensitive(v, "last_update");
        std::string olds, news;
        const cJSON* item = nullptr;
        cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(l, "old")) if (cJSON_IsString(item)) olds +=
            (olds.empty() ? "" : ",") + std::string(item->string) + "=" + item->valuestring;
        cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(l, "new")) if (cJSON_IsString(item)) news +=
            (news.empty() ? "" : ",") + std::string(item->string) + "=" + item->valuestring;
        if (screen == "ended") out << "| FIRMWARE UPDATING ENDED NORMALLY: " << olds << " -> " << news << "\n";
        else out << "| FIRMWARE UPDATE CANCELED: still running " << olds << "\n";
    } else {
        out << "| no firmware update pending\n";
    }
    out << "| COMPONENT    CURRENT   RECOMMENDED  SET       STATE\n";
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(v, "firmware")) {
        char line[160];
        std::snprintf(line, sizeof line, "| %-12s %-9s %-12s %-9s %s\n", str(item, "component").c_str(),
                      str(item, "current").c_str(), str(item, "recommended").c_str(), str(item, "set").c_str(),
                      str(item, "action").c_str());
        out << line;
    }
    out << "+-- " << keys << "\n";
    return out.str();
}

}  // namespace fleetcast::device
