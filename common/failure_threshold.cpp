// A campaign's failure threshold: parsing, and its JSON (common/failure_threshold.hpp).
#include "common/failure_threshold.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "common/job_rules.hpp"
#include "common/message_fields.hpp"

namespace fleetcast {

namespace {
std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}
constexpr std::uint64_t kMaxCount = 1000000;

std::string percent_text(double p) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", p);
    return buf;
}
}  // namespace

std::string_view to_string(FailureAction a) { return a == FailureAction::Cancel ? "cancel" : "pause"; }

Expected<FailureAction> failure_action_from_string(std::string_view s) {
    if (s == "pause") return FailureAction::Pause;
    if (s == "cancel") return FailureAction::Cancel;
    return make_error("bad_args", "on_failure must be pause or cancel, not '" + std::string(s.substr(0, 32)) + "'");
}

std::string FailureThreshold::limit_text() const {
    if (max_count) return "max " + std::to_string(*max_count);
    const std::string share = "max " + percent_text(max_percent.value_or(0)) + "%";
    return min_ended == 0 ? share : share + " once " + std::to_string(min_ended) + " ended";
}

Expected<JobState> failure_result_from_string(std::string_view s) {
    const auto l = lower(s);
    if (l == "error") return JobState::Failed;
    if (l == "expired") return JobState::Expired;
    if (l == "canceled") return JobState::Canceled;
    return make_error("bad_args",
                      "unknown failure result '" + std::string(s.substr(0, 32)) + "' (error, expired, canceled)");
}

Expected<std::set<JobState>> failure_results_from_list(std::string_view list) {
    std::set<JobState> out;
    std::size_t start = 0;
    while (start <= list.size()) {
        auto end = list.find(',', start);
        if (end == std::string_view::npos) end = list.size();
        auto name = list.substr(start, end - start);
        FC_TRY(state, failure_result_from_string(name));
        out.insert(*state);
        start = end + 1;
    }
    return out;
}

Status parse_max_failures(std::string_view text, FailureThreshold& t) {
    const std::string s(text);
    const bool percent = !s.empty() && s.back() == '%';
    const std::string number = percent ? s.substr(0, s.size() - 1) : s;
    const std::string what = "max failures '" + s.substr(0, 32) + "'";
    if (number.empty() || !(std::isdigit(static_cast<unsigned char>(number[0]))))
        return make_error("bad_args", what + " is not a count (3) or a share (5%)");
    char* end = nullptr;
    if (percent) {
        const double p = std::strtod(number.c_str(), &end);
        if (*end != '\0' || !std::isfinite(p)) return make_error("bad_args", what + " is not a share like 5%");
        if (!(p > 0.0 && p <= 100.0))
            return make_error("bad_args", what + ": a share must be above 0% and at most 100%");
        t.max_percent = p;
        t.max_count.reset();
        return ok_status();
    }
    const unsigned long long n = std::strtoull(number.c_str(), &end, 10);
    if (*end != '\0' || n > kMaxCount)
        return make_error("bad_args", what + " is not a count of at most " + std::to_string(kMaxCount));
    t.max_count = n;
    t.max_percent.reset();
    return ok_status();
}

void to_json(cJSON* o, const FailureThreshold& t) {
    if (t.max_count) json::put(o, "max_failures", *t.max_count);
    if (t.max_percent) cJSON_AddNumberToObject(o, "max_failures_percent", *t.max_percent);
    json::put(o, "min_ended", t.min_ended);
    std::vector<std::string> results;
    for (auto s : t.failure_states) results.emplace_back(job_rules::result_label(s));
    json::put(o, "failure_results", results);
    json::put(o, "on_failure", to_string(t.on_failure));
}

Expected<FailureThreshold> failure_threshold_from_json(const cJSON* o) {
    if (!cJSON_IsObject(o)) return make_error("bad_args", "failure_threshold must be an object");
    FailureThreshold t;
    const cJSON* count = cJSON_GetObjectItemCaseSensitive(o, "max_failures");
    const cJSON* percent = cJSON_GetObjectItemCaseSensitive(o, "max_failures_percent");
    if ((count != nullptr) == (percent != nullptr))
        return make_error("bad_args", "failure_threshold needs exactly one of max_failures and max_failures_percent");
    if (count) {
        FC_TRY(n, json::get_uint(o, "max_failures", kMaxCount));
        t.max_count = *n;
    } else {
        if (!cJSON_IsNumber(percent) || !std::isfinite(percent->valuedouble) || !(percent->valuedouble > 0.0) ||
            percent->valuedouble > 100.0)
            return make_error("bad_args", "max_failures_percent must be a number above 0 and at most 100");
        t.max_percent = percent->valuedouble;
    }
    if (cJSON_GetObjectItemCaseSensitive(o, "min_ended")) {
        FC_TRY(n, json::get_uint(o, "min_ended", kMaxCount));
        t.min_ended = *n;
    }
    if (cJSON_GetObjectItemCaseSensitive(o, "failure_results")) {
        FC_TRY(list, json::get_array(o, "failure_results", 8));
        t.failure_states.clear();
        const cJSON* item = nullptr;
        cJSON_ArrayForEach(item, *list) {
            if (!cJSON_IsString(item)) return make_error("bad_args", "failure_results must be strings");
            FC_TRY(state, failure_result_from_string(item->valuestring));
            t.failure_states.insert(*state);
        }
        if (t.failure_states.empty()) return make_error("bad_args", "failure_results is empty");
    }
    if (cJSON_GetObjectItemCaseSensitive(o, "on_failure")) {
        FC_TRY(text, json::get_string(o, "on_failure", 16));
        FC_TRY(action, failure_action_from_string(*text));
        t.on_failure = *action;
    }
    return t;
}

}  // namespace fleetcast
