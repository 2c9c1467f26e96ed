#include "manager/status_views.hpp"

#include "manager/dashboard_views.hpp"
#include "manager/results_view.hpp"

namespace fleetcast::manager {

namespace {

Expected<CampaignRecord> campaign_arg(ManagerStore& store, const cJSON* args) {
    auto id = json::get_id(args, "campaign", "campaign");
    if (!id) return id.error();
    auto c = store.find_campaign(*id);
    if (!c) return c.error();
    if (!*c) return make_error("not_found", "unknown campaign " + *id);
    return **c;
}

cJSON* copy_field(cJSON* to, const cJSON* from, const char* key) {
    const cJSON* f = cJSON_GetObjectItemCaseSensitive(from, key);
    if (!f) return nullptr;
    cJSON* dup = cJSON_Duplicate(f, 1);
    cJSON_AddItemToObject(to, key, dup);
    return dup;
}

}  // namespace

std::string_view phase_of(JobState s) {
    switch (s) {
        case JobState::Waiting: return "waiting";
        case JobState::Fetching: return "waiting";  // the gateway is still caching the image
        case JobState::Requesting: return "waiting";  // asked to communicate, no answer yet (R11)
        case JobState::Transferring: return "downloading";
        case JobState::Installing: return "updating";
        case JobState::Restarting: return "updating";
        case JobState::Completed: return "completed";
        case JobState::Failed: return "error";
        case JobState::Expired: return "expired";
        case JobState::Canceled: return "canceled";
    }
    return "unknown";
}

std::optional<Expected<Json>> status_view(ManagerStore& store, const std::string& op, const cJSON* args, TimePoint now) {
    if (op == "device_status") return device_status_view(store, args, now);
    if (op == "targets") return targets_view(store, args);
    if (op == "unregistered") return unregistered_view(store, args);
    return std::nullopt;
}

Expected<Json> device_status_view(ManagerStore& store, const cJSON* args, TimePoint now) {
    auto detail = device_detail_view(store, args);  // validates the id, not_found for an unknown device
    if (!detail) return detail.error();
    const cJSON* d = detail->get();
    auto data = Json::object();
    cJSON* o = data.get();
    json::put(o, "now", now);
    for (const char* key : {"device", "gateway", "model", "status", "firmware", "last_seen"}) copy_field(o, d, key);
    const cJSON* history = cJSON_GetObjectItemCaseSensitive(d, "history");
    const cJSON* latest = cJSON_GetArrayItem(history, 0);
    if (!latest) {
        json::put(o, "campaign", "");
        json::put(o, "phase", "idle");
        json::put(o, "settled", true);
        return data;
    }
    for (const char* key : {"campaign", "state", "result", "progress", "update_at", "started_at", "ended_at", "detail",
                            "old", "new", "suspended"})
        copy_field(o, latest, key);
    auto campaign = json::get_optional_string(latest, "campaign").value_or("");
    auto state = job_state_from_string(json::get_optional_string(latest, "state").value_or(""));
    JobState s = state ? *state : JobState::Waiting;
    // R19: an operator's hold shows until the resume, whatever the job's state.
    bool held = !is_terminal(s) && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(latest, "suspended"));
    json::put(o, "phase", held ? std::string_view("suspended") : phase_of(s));
    json::put(o, "settled", is_terminal(s));
    json::put(o, "error", s == JobState::Completed ? std::string()
                                                   : error_kind(json::get_optional_string(latest, "detail").value_or("")));
    auto c = store.find_campaign(campaign);
    if (!c) return c.error();
    // Expected end (Fig. 19): the job's end when it ended, else the campaign's plan.
    if (is_terminal(s)) {
        if (const cJSON* end = cJSON_GetObjectItemCaseSensitive(latest, "ended_at"))
            cJSON_AddItemToObject(o, "expected_end", cJSON_Duplicate(end, 1));
    } else if (*c) {
        json::put(o, "expected_end", (*c)->expected_end);
    }
    return data;
}

Expected<Json> targets_view(ManagerStore& store, const cJSON* args) {
    auto c = campaign_arg(store, args);
    if (!c) return c.error();
    // Paged like `results`: a large campaign's rows stay far below the broker's packet limit.
    auto paging = page_args(args);
    if (!paging) return paging.error();
    auto counts = store.target_state_counts(c->id);
    if (!counts) return counts.error();
    std::uint64_t total = 0;
    for (const auto& [state, n] : *counts) total += n;
    auto targets = store.targets_page(c->id, paging->offset, paging->limit);
    if (!targets) return targets.error();
    auto data = Json::object();
    cJSON* o = data.get();
    json::put(o, "campaign", c->id);
    json::put(o, "mode", to_string(c->mode));
    json::put(o, "total", total);
    json::put(o, "offset", paging->offset);
    cJSON* arr = cJSON_AddArrayToObject(o, "devices");
    for (const auto& t : *targets) {
        cJSON* row = cJSON_CreateObject();
        json::put(row, "device", t.device);
        json::put(row, "model", t.model);
        auto dash = t.device.rfind('-');
        json::put(row, "serial", dash == std::string::npos ? t.device : t.device.substr(dash + 1));
        json::put(row, "gateway", t.gateway);
        // Pull mode: the gateway fetches at the update time (R7).
        json::put(row, "transmit_at", c->transmit_at.value_or(c->update_at));
        json::put(row, "update_at", c->update_at);
        cJSON* changes = cJSON_AddArrayToObject(row, "changes");
        for (const auto& [component, version] : t.new_versions) {
            cJSON* ch = cJSON_CreateObject();
            json::put(ch, "component", component);
            auto old = t.old_versions.find(component);
            json::put(ch, "old", old == t.old_versions.end() ? std::string() : old->second);
            json::put(ch, "new", version);
            cJSON_AddItemToArray(changes, ch);
        }
        cJSON_AddItemToArray(arr, row);
    }
    return data;
}

Expected<Json> unregistered_view(ManagerStore& store, const cJSON* args) {
    auto c = campaign_arg(store, args);
    if (!c) return c.error();
    auto skipped = store.skipped(c->id);
    if (!skipped) return skipped.error();
    auto data = Json::object();
    cJSON* o = data.get();
    json::put(o, "campaign", c->id);
    json::put(o, "total", static_cast<std::uint64_t>(skipped->size()));
    cJSON* arr = cJSON_AddArrayToObject(o, "devices");
    for (const auto& [device, reason] : *skipped) {
        cJSON* row = cJSON_CreateObject();
        json::put(row, "device", device);
        json::put(row, "reason", reason);
        cJSON_AddItemToArray(arr, row);
    }
    return data;
}

}  // namespace fleetcast::manager
