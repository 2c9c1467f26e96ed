// Process state, gateway -> manager reports, operator request/response.
#include "common/ids.hpp"
#include "common/message_fields.hpp"
#include "common/messages.hpp"

namespace fleetcast {

using detail::expect_type;

std::string encode(const ProcessState& s) {
    auto j = Json::object();
    json::put(j.get(), "type", "process_state");
    json::put(j.get(), "role", s.role);
    json::put(j.get(), "id", s.id);
    json::put(j.get(), "status", s.online ? "online" : "offline");
    json::put(j.get(), "at", s.at);
    cJSON* c = cJSON_AddObjectToObject(j.get(), "counters");
    for (const auto& [k, v] : s.counters) json::put(c, k.c_str(), v);
    return j.dump();
}

Expected<ProcessState> decode_process_state(std::string_view text) {
    FC_TRY(j, Json::parse(text, 64 * 1024));
    const cJSON* o = j->get();
    auto st = expect_type(o, "process_state");
    if (!st) return st.error();
    ProcessState s;
    FC_TRY(role, json::get_id(o, "role", "role"));
    FC_TRY(id, json::get_id(o, "id", "process"));
    FC_TRY(status, json::get_string(o, "status", 16));
    s.role = *role;
    s.id = *id;
    s.online = *status == "online";
    if (const cJSON* at = cJSON_GetObjectItemCaseSensitive(o, "at"); at) {
        FC_TRY(t, json::get_time(o, "at"));
        s.at = *t;
    }
    if (const cJSON* c = cJSON_GetObjectItemCaseSensitive(o, "counters"); cJSON_IsObject(c)) {
        const cJSON* item = nullptr;
        cJSON_ArrayForEach(item, c) {
            // Below 2^53 so the conversion is exact and defined (fuzz_gateway_messages found 1e121 here).
            if (cJSON_IsNumber(item) && item->valuedouble >= 0 && item->valuedouble < 9007199254740992.0)
                s.counters[item->string] = static_cast<std::uint64_t>(item->valuedouble);
        }
    }
    return s;
}

// An offline LWT/state carries no time: the broker publishes it.
std::string_view to_string(JobState s) {
    switch (s) {
        case JobState::Waiting: return "waiting";
        case JobState::Fetching: return "fetching";
        case JobState::Requesting: return "requesting";
        case JobState::Transferring: return "transferring";
        case JobState::Installing: return "installing";
        case JobState::Restarting: return "restarting";
        case JobState::Completed: return "completed";
        case JobState::Failed: return "failed";
        case JobState::Expired: return "expired";
        case JobState::Canceled: return "canceled";
    }
    return "unknown";
}

Expected<JobState> job_state_from_string(std::string_view s) {
    for (auto st :
         {JobState::Waiting, JobState::Fetching, JobState::Requesting, JobState::Transferring, JobState::Installing,
          JobState::Restarting, JobState::Completed, JobState::Failed, JobState::Expired, JobState::Canceled})
        if (to_string(st) == s) return st;
    return make_error("bad_value", "unknown job state '" + std::string(s.substr(0, 32)) + "'");
}

std::string encode(const JobReport& r) {
    auto j = Json::object();
    json::put(j.get(), "type", "job");
    json::put(j.get(), "campaign", r.campaign);
    json::put(j.get(), "device", r.device);
    json::put(j.get(), "state", to_string(r.state));
    json::put(j.get(), "progress", static_cast<std::uint64_t>(r.progress));
    json::put(j.get(), "detail", r.detail);
    json::put(j.get(), "started_at", r.started_at);
    json::put(j.get(), "ended_at", r.ended_at);
    json::put(j.get(), "firmware", r.firmware);
    json::put(j.get(), "update_at", r.update_at);
    if (r.suspended) json::put(j.get(), "suspended", true);
    return j.dump();
}

std::string encode(const CacheReport& r) {
    auto j = Json::object();
    json::put(j.get(), "type", "cache");
    json::put(j.get(), "fw_id", r.fw_id);
    json::put(j.get(), "state", r.state);
    json::put(j.get(), "bytes", r.bytes);
    return j.dump();
}

Expected<GatewayReport> decode_gateway_report(std::string_view text) {
    FC_TRY(j, Json::parse(text, 256 * 1024));
    const cJSON* o = j->get();
    FC_TRY(type, detail::message_type(o));
    if (*type == "device_seen") {
        FC_TRY(r, detail::device_seen_from_json(o));
        return GatewayReport{*r};
    }
    if (*type == "job") {
        JobReport r;
        FC_TRY(c, json::get_id(o, "campaign", "campaign"));
        FC_TRY(d, json::get_id(o, "device", "device"));
        FC_TRY(s, json::get_string(o, "state", 32));
        FC_TRY(state, job_state_from_string(*s));
        FC_TRY(p, json::get_uint(o, "progress", 100));
        FC_TRY(det, json::get_string(o, "detail", 1024));
        FC_TRY(sa, json::get_optional_time(o, "started_at"));
        FC_TRY(ea, json::get_optional_time(o, "ended_at"));
        FC_TRY(fw, json::get_versions(o, "firmware"));
        FC_TRY(ua, json::get_optional_time(o, "update_at"));
        r.update_at = *ua;
        if (cJSON_GetObjectItemCaseSensitive(o, "suspended")) {
            FC_TRY(sus, json::get_bool(o, "suspended"));
            r.suspended = *sus;
        }
        r.campaign = *c;
        r.device = *d;
        r.state = *state;
        r.progress = static_cast<std::uint32_t>(*p);
        r.detail = *det;
        r.started_at = *sa;
        r.ended_at = *ea;
        r.firmware = *fw;
        return GatewayReport{r};
    }
    if (*type == "cache") {
        CacheReport r;
        FC_TRY(fw, json::get_id(o, "fw_id", "firmware"));
        FC_TRY(s, json::get_id(o, "state", "cache state"));
        FC_TRY(b, json::get_uint(o, "bytes", kMaxImageSize));
        r.fw_id = *fw;
        r.state = *s;
        r.bytes = *b;
        return GatewayReport{r};
    }
    if (*type == "rate") {
        FC_TRY(r, detail::rate_report_from_json(o));
        return GatewayReport{*r};
    }
    if (*type == "digest") {
        FC_TRY(r, detail::digest_report_from_json(o));
        return GatewayReport{std::move(*r)};
    }
    if (*type == "unknown_job") {
        FC_TRY(r, detail::unknown_job_report_from_json(o));
        return GatewayReport{std::move(*r)};
    }
    if (*type == "campaign_ack") {
        FC_TRY(r, detail::campaign_ack_report_from_json(o));
        return GatewayReport{std::move(*r)};
    }
    return make_error("unknown_type", "unknown gateway report type '" + *type + "'");
}

std::string encode(const OperatorRequest& r) {
    auto j = Json::object();
    json::put(j.get(), "type", "request");
    json::put(j.get(), "req_id", r.req_id);
    json::put(j.get(), "op", r.op);
    cJSON_AddItemToObject(j.get(), "args", r.args.empty() ? cJSON_CreateObject() : cJSON_Duplicate(r.args.get(), 1));
    return j.dump();
}

Expected<OperatorRequest> decode_operator_request(std::string_view text) {
    FC_TRY(j, Json::parse(text, 1024 * 1024));
    const cJSON* o = j->get();
    auto st = expect_type(o, "request");
    if (!st) return st.error();
    OperatorRequest r;
    FC_TRY(id, json::get_id(o, "req_id", "request"));
    FC_TRY(op, json::get_id(o, "op", "operation"));
    FC_TRY(args, json::get_object(o, "args"));
    r.req_id = *id;
    r.op = *op;
    r.args = Json(cJSON_Duplicate(*args, 1));
    return r;
}

std::string encode(const OperatorResponse& r) {
    auto j = Json::object();
    json::put(j.get(), "type", "response");
    json::put(j.get(), "req_id", r.req_id);
    json::put(j.get(), "ok", r.ok);
    if (!r.ok) json::put(j.get(), "error", r.error);
    if (!r.ok && !r.code.empty()) json::put(j.get(), "code", r.code);
    cJSON_AddItemToObject(j.get(), "data", r.data.empty() ? cJSON_CreateObject() : cJSON_Duplicate(r.data.get(), 1));
    return j.dump();
}

Expected<OperatorResponse> decode_operator_response(std::string_view text) {
    FC_TRY(j, Json::parse(text, 64 * 1024 * 1024));
    const cJSON* o = j->get();
    auto st = expect_type(o, "response");
    if (!st) return st.error();
    OperatorResponse r;
    FC_TRY(id, json::get_id(o, "req_id", "request"));
    FC_TRY(ok, json::get_bool(o, "ok"));
    r.req_id = *id;
    r.ok = *ok;
    if (!r.ok) {
        FC_TRY(e, json::get_string(o, "error", 8192));
        r.error = *e;
        r.code = json::get_optional_string(o, "code").value_or("").substr(0, 64);
    }
    FC_TRY(data, json::get_object(o, "data"));
    r.data = Json(cJSON_Duplicate(*data, 1));
    return r;
}

}  // namespace fleetcast
