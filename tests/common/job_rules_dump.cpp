// Prints common/job_rules as JSON, for tests/dashboard/model_test.mjs: the
// dashboard's copy of the rules is checked against this, the one original.
#include <cstdio>

#include "common/job_rules.hpp"

int main() {
    using namespace fleetcast;
    auto root = Json::object();
    cJSON* o = root.get();
    cJSON* states = cJSON_AddArrayToObject(o, "states");
    cJSON* result = cJSON_AddObjectToObject(o, "result");
    cJSON* phase = cJSON_AddObjectToObject(o, "phase");
    cJSON* necessity = cJSON_AddObjectToObject(o, "necessity");
    std::vector<std::string> terminal, defer, cancel, suspend;
    for (JobState s : job_rules::kAllStates) {
        const std::string name(to_string(s));
        cJSON_AddItemToArray(states, cJSON_CreateString(name.c_str()));
        json::put(result, name.c_str(), job_rules::result_label(s));
        json::put(phase, name.c_str(), job_rules::phase_of(s));
        json::put(necessity, name.c_str(), job_rules::necessity(s));
        if (job_rules::is_terminal(s)) terminal.push_back(name);
        if (job_rules::can_defer(s)) defer.push_back(name);
        if (job_rules::can_cancel(s)) cancel.push_back(name);
        if (job_rules::can_suspend(s)) suspend.push_back(name);
    }
    json::put(o, "terminal", terminal);
    json::put(o, "can_defer", defer);
    json::put(o, "can_cancel", cancel);
    json::put(o, "can_suspend", suspend);
    std::vector<std::string> labels(job_rules::kResultLabels.begin(), job_rules::kResultLabels.end());
    json::put(o, "labels", labels);
    std::puts(root.dump().c_str());
    return 0;
}
