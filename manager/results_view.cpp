#include "manager/results_view.hpp"

namespace fleetcast::manager {

JobView job_view(const TargetRecord& t) {
    return JobView{t.state,  t.progress,  t.old_versions, t.new_versions,
                   t.detail, t.suspended, t.started_at,   t.ended_at};
}

ResultSummary result_summary(const std::map<JobState, std::uint64_t>& state_counts) {
    auto summary = empty_summary();
    for (const auto& [state, n] : state_counts) count(summary, state, n);
    return summary;
}

void put_campaign(cJSON* o, const CampaignRecord& c) {
    json::put(o, "campaign", c.id);
    json::put(o, "state", c.state);
    json::put(o, "mode", to_string(c.mode));
    json::put(o, "created_at", c.created_at);
    put_campaign_times(o, c.update_at, c.transmit_at, c.expires_at);
    json::put(o, "expected_end", c.expected_end);
    if (c.failure_threshold) to_json(cJSON_AddObjectToObject(o, "failure_threshold"), *c.failure_threshold);
}

Json results_page_json(const CampaignRecord& c, const std::vector<TargetRecord>& page, std::uint64_t offset,
                       const std::map<JobState, std::uint64_t>& state_counts,
                       const std::map<std::string, TimePoint>& update_times) {
    auto data = Json::object();
    cJSON* o = data.get();
    put_campaign(o, c);
    cJSON* devices = cJSON_AddArrayToObject(o, "devices");
    for (const auto& t : page) {
        auto moved = update_times.find(t.device);
        ResultsRow row{t.device, t.gateway,   t.model,
                       t.fw_ids, job_view(t), moved == update_times.end() ? c.update_at : moved->second};
        cJSON* item = cJSON_CreateObject();
        to_json(item, row);
        cJSON_AddItemToArray(devices, item);
    }
    const auto summary = result_summary(state_counts);
    to_json(cJSON_AddObjectToObject(o, "summary"), summary);
    json::put(o, "pending", summary.counts.at(std::string(job_rules::kResultWaiting)));
    json::put(o, "offset", offset);
    json::put(o, "total", summary.total);
    return data;
}

Json results_json(const CampaignRecord& c, const std::vector<TargetRecord>& targets,
                  const std::map<std::string, TimePoint>& update_times) {
    std::map<JobState, std::uint64_t> counts;
    for (const auto& t : targets) ++counts[t.state];
    return results_page_json(c, targets, 0, counts, update_times);
}

}  // namespace fleetcast::manager
