#include "manager/results_view.hpp"

#include <cctype>

#include <map>

namespace fleetcast::manager {

std::string_view result_label(JobState s) {
    switch (s) {
        case JobState::Completed:
            return kResultCompleted;
        case JobState::Failed:
            return kResultError;
        case JobState::Expired:
            return kResultExpired;
        case JobState::Canceled:
            return kResultCanceled;
        default:
            return kResultWaiting;
    }
}

std::string error_kind(const std::string& detail) {
    auto colon = detail.find(": ");
    if (colon == std::string::npos || colon == 0 || colon > 32) return {};
    for (std::size_t i = 0; i < colon; ++i) {
        char ch = detail[i];
        if (!(std::islower(static_cast<unsigned char>(ch)) || ch == '_')) return {};
    }
    return detail.substr(0, colon);
}

namespace {
void put_campaign(cJSON* o, const CampaignRecord& c) {
    json::put(o, "campaign", c.id);
    json::put(o, "state", c.state);
    json::put(o, "mode", to_string(c.mode));
    json::put(o, "created_at", c.created_at);
    json::put(o, "update_at", c.update_at);
    json::put(o, "transmit_at", c.transmit_at);
    json::put(o, "expires_at", c.expires_at);
    json::put(o, "expected_end", c.expected_end);
}

cJSON* target_row(const TargetRecord& t, const CampaignRecord& c, const std::map<std::string, TimePoint>& update_times) {
    cJSON* row = cJSON_CreateObject();
    json::put(row, "device", t.device);
    json::put(row, "gateway", t.gateway);
    json::put(row, "model", t.model);
    json::put(row, "fw_ids", t.fw_ids);
    json::put(row, "old", t.old_versions);
    json::put(row, "new", t.new_versions);
    json::put(row, "state", to_string(t.state));
    json::put(row, "result", result_label(t.state));
    json::put(row, "progress", static_cast<std::uint64_t>(t.progress));
    json::put(row, "detail", t.detail);
    json::put(row, "suspended", t.suspended);
    json::put(row, "error", t.state == JobState::Completed ? std::string() : error_kind(t.detail));
    json::put(row, "started_at", t.started_at);
    json::put(row, "ended_at", t.ended_at);
    auto moved = update_times.find(t.device);
    json::put(row, "update_at", moved == update_times.end() ? c.update_at : moved->second);
    return row;
}
}  // namespace

Expected<PageArgs> page_args(const cJSON* args) {
    PageArgs p;
    if (auto* f = cJSON_GetObjectItemCaseSensitive(args, "offset"); f && !cJSON_IsNull(f)) {
        auto v = json::get_uint(args, "offset", 1ULL << 40);
        if (!v) return v.error();
        p.offset = *v;
    }
    if (auto* f = cJSON_GetObjectItemCaseSensitive(args, "limit"); f && !cJSON_IsNull(f)) {
        auto v = json::get_uint(args, "limit", kResultsPageMax);
        if (!v) return v.error();
        p.limit = *v;
    }
    return p;
}

Json results_page_json(const CampaignRecord& c, const std::vector<TargetRecord>& page, std::uint64_t offset,
                       const std::map<JobState, std::uint64_t>& state_counts,
                       const std::map<std::string, TimePoint>& update_times) {
    auto data = Json::object();
    cJSON* o = data.get();
    put_campaign(o, c);
    std::map<std::string_view, std::uint64_t> counts{{kResultCompleted, 0}, {kResultWaiting, 0}, {kResultError, 0}, {kResultExpired, 0}, {kResultCanceled, 0}};
    std::uint64_t total = 0;
    for (const auto& [state, n] : state_counts) {
        counts[result_label(state)] += n;
        total += n;
    }
    cJSON* devices = cJSON_AddArrayToObject(o, "devices");
    for (const auto& t : page) cJSON_AddItemToArray(devices, target_row(t, c, update_times));
    cJSON* summary = cJSON_AddObjectToObject(o, "summary");
    for (const auto& [label, n] : counts) json::put(summary, std::string(label).c_str(), n);
    json::put(summary, "total", total);
    json::put(o, "pending", counts[kResultWaiting]);
    json::put(o, "offset", offset);
    json::put(o, "total", total);
    return data;
}

Json results_json(const CampaignRecord& c, const std::vector<TargetRecord>& targets,
                  const std::map<std::string, TimePoint>& update_times) {
    std::map<JobState, std::uint64_t> counts;
    for (const auto& t : targets) ++counts[t.state];
    return results_page_json(c, targets, 0, counts, update_times);
}

}  // namespace fleetcast::manager
