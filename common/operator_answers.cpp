// The typed pieces of the operator's answers (topics.md): one encoder and one
// decoder each, shared by the manager's views and the CLI.
#include <cctype>
#include <initializer_list>
#include <utility>

#include "common/job_rules.hpp"
#include "common/message_fields.hpp"
#include "common/operator_messages.hpp"

namespace fleetcast {

namespace {
Expected<JobState> state_field(const cJSON* o) {
    FC_TRY(s, json::get_string(o, "state", 32));
    return job_state_from_string(*s);
}
std::string optional_string(const cJSON* o, const char* key) { return json::get_optional_string(o, key).value_or(""); }

// Id fields of an answer: key, what the id names (for the error), where it goes.
struct IdField {
    const char* key;
    const char* what;
    std::string* value;
};
Status read_ids(const cJSON* o, std::initializer_list<IdField> fields) {
    for (const auto& f : fields) {
        FC_TRY(id, json::get_id(o, f.key, f.what));
        *f.value = *id;
    }
    return ok_status();
}
void put_strings(cJSON* o, std::initializer_list<std::pair<const char*, const std::string*>> fields) {
    for (const auto& [key, value] : fields) json::put(o, key, *value);
}
}  // namespace

std::string error_kind(const std::string& detail) {
    auto colon = detail.find(": ");
    if (colon == std::string::npos || colon == 0 || colon > 32) return {};
    for (std::size_t i = 0; i < colon; ++i) {
        char ch = detail[i];
        if (!(std::islower(static_cast<unsigned char>(ch)) || ch == '_')) return {};
    }
    return detail.substr(0, colon);
}

void to_json(cJSON* o, const ControlAnswer& a) {
    put_strings(o, {{"device", &a.device}, {"campaign", &a.campaign}, {"gateway", &a.gateway}});
    json::put(o, "state", to_string(a.state));
    json::put(o, "request_id", a.request_id);
}

Expected<ControlAnswer> control_answer_from_json(const cJSON* o) {
    ControlAnswer a;
    FC_TRY(ids, read_ids(o, {{"device", "device", &a.device},
                             {"campaign", "campaign", &a.campaign},
                             {"gateway", "gateway", &a.gateway}}));
    FC_TRY(state, state_field(o));
    a.state = *state;
    FC_TRY(request, json::get_string(o, "request_id", 128));
    a.request_id = *request;
    return a;
}

void to_json(cJSON* o, const SetParamAnswer& a) {
    put_strings(o, {{"device", &a.device}, {"gateway", &a.gateway}, {"name", &a.name}});
    json::put(o, "value_ms", static_cast<std::uint64_t>(a.value.count()));
}

Expected<SetParamAnswer> set_param_answer_from_json(const cJSON* o) {
    SetParamAnswer a;
    FC_TRY(ids, read_ids(o, {{"device", "device", &a.device},
                             {"gateway", "gateway", &a.gateway},
                             {"name", "parameter", &a.name}}));
    FC_TRY(value, detail::millis_from_json(o, "value_ms", kMaxDeferment));
    a.value = *value;
    return a;
}

std::string error_of(const JobView& j) { return j.state == JobState::Completed ? std::string() : error_kind(j.detail); }

void to_json(cJSON* o, const JobView& j) {
    json::put(o, "state", to_string(j.state));
    json::put(o, "result", job_rules::result_label(j.state));
    json::put(o, "necessity", job_rules::necessity(j.state));
    json::put(o, "progress", std::uint64_t{j.progress});
    json::put(o, "old", j.old_versions);
    json::put(o, "new", j.new_versions);
    json::put(o, "detail", j.detail);
    json::put(o, "error", error_of(j));
    json::put(o, "suspended", j.suspended);
    json::put(o, "started_at", j.started_at);
    json::put(o, "ended_at", j.ended_at);
}

Expected<JobView> job_view_from_json(const cJSON* o) {
    JobView j;
    FC_TRY(state, state_field(o));
    j.state = *state;
    FC_TRY(progress, json::get_uint(o, "progress", 100));
    j.progress = static_cast<std::uint32_t>(*progress);
    FC_TRY(old_versions, json::get_versions(o, "old"));
    j.old_versions = *old_versions;
    FC_TRY(new_versions, json::get_versions(o, "new"));
    j.new_versions = *new_versions;
    j.detail = optional_string(o, "detail");
    j.suspended = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "suspended"));
    FC_TRY(started, json::get_optional_time(o, "started_at"));
    j.started_at = *started;
    FC_TRY(ended, json::get_optional_time(o, "ended_at"));
    j.ended_at = *ended;
    return j;
}

void to_json(cJSON* o, const ResultsRow& r) {
    put_strings(o, {{"device", &r.device}, {"gateway", &r.gateway}, {"model", &r.model}});
    json::put(o, "fw_ids", r.fw_ids);
    to_json(o, r.job);
    json::put(o, "update_at", r.update_at);
}

Expected<ResultsRow> results_row_from_json(const cJSON* o) {
    ResultsRow r;
    FC_TRY(ids,
           read_ids(
               o, {{"device", "device", &r.device}, {"gateway", "gateway", &r.gateway}, {"model", "model", &r.model}}));
    FC_TRY(fw_ids, json::get_id_list(o, "fw_ids", "firmware", 1024));
    r.fw_ids = *fw_ids;
    FC_TRY(job, job_view_from_json(o));
    r.job = *job;
    FC_TRY(update_at, json::get_time(o, "update_at"));
    r.update_at = *update_at;
    return r;
}

ResultSummary empty_summary() {
    ResultSummary s;
    for (auto label : job_rules::kResultLabels) s.counts[std::string(label)] = 0;
    return s;
}

void count(ResultSummary& s, JobState state, std::uint64_t n) {
    s.counts[std::string(job_rules::result_label(state))] += n;
    s.total += n;
}

void to_json(cJSON* o, const ResultSummary& s) {
    for (const auto& [label, n] : s.counts) json::put(o, label.c_str(), n);
    json::put(o, "total", s.total);
}

Expected<ResultSummary> result_summary_from_json(const cJSON* o) {
    ResultSummary s;
    for (auto label : job_rules::kResultLabels) {
        FC_TRY(n, json::get_uint(o, std::string(label).c_str(), UINT64_MAX / 2));
        s.counts[std::string(label)] = *n;
    }
    FC_TRY(total, json::get_uint(o, "total", UINT64_MAX / 2));
    s.total = *total;
    return s;
}

void put_campaign_times(cJSON* o, TimePoint update_at, const std::optional<TimePoint>& transmit_at,
                        const std::optional<TimePoint>& expires_at) {
    json::put(o, "update_at", update_at);
    json::put(o, "transmit_at", transmit_at);
    json::put(o, "expires_at", expires_at);
}

}  // namespace fleetcast
