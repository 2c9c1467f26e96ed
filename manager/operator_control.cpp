// Operator requests that act on one device's update (R12, R14, R15, R19): the
// manager finds the device's gateway and its running campaign, and sends the
// gateway a command on gw/{gw}/cmd carrying the request id, so a redelivered
// command has no second effect. The gateway's job reports bring the outcome
// (new update time, CANCELED) back into the results.
#include "common/log.hpp"
#include "common/topics.hpp"
#include "manager/operator_api.hpp"

namespace fleetcast::manager {

namespace {
Expected<std::optional<Millis>> optional_duration(const cJSON* args, const char* key) {
    const cJSON* f = cJSON_GetObjectItemCaseSensitive(args, key);
    if (!f || cJSON_IsNull(f)) return std::optional<Millis>();
    auto v = json::get_uint(args, key, static_cast<std::uint64_t>(kMaxDeferment.count()));
    if (!v) return v.error();
    if (*v == 0) return make_error("bad_args", std::string(key) + " must be positive");
    return std::optional<Millis>(Millis(static_cast<Millis::rep>(*v)));
}

Json target_data(const TargetRecord& t, const std::string& request_id) {
    auto data = Json::object();
    json::put(data.get(), "device", t.device);
    json::put(data.get(), "campaign", t.campaign);
    json::put(data.get(), "gateway", t.gateway);
    json::put(data.get(), "state", to_string(t.state));
    json::put(data.get(), "request_id", request_id);
    return data;
}
}  // namespace

Expected<TargetRecord> OperatorApi::active_target(const std::string& device) {
    auto campaigns = store_.campaigns_in_state(kCampaignActive);
    if (!campaigns) return campaigns.error();
    // The newest running campaign that still has this device's update open.
    for (auto it = campaigns->rbegin(); it != campaigns->rend(); ++it) {
        auto t = store_.find_target(it->id, device);
        if (!t) return t.error();
        if (*t && !is_terminal((*t)->state)) return **t;
    }
    auto known = store_.find_device(device);
    if (!known) return known.error();
    if (!*known) return make_error("not_found", "unknown device " + device);
    return make_error("not_found", "device " + device + " has no update waiting or running");
}

Expected<Json> OperatorApi::defer(const std::string& req_id, const cJSON* args) {
    auto device = json::get_id(args, "device", "device");
    if (!device) return device.error();
    auto by = optional_duration(args, "by_ms");
    if (!by) return by.error();
    if (!*by) {  // the dashboard sends `by` in seconds
        auto secs = optional_duration(args, "by");
        if (!secs) return secs.error();
        if (*secs) *by = Millis((*secs)->count() * 1000);
    }
    auto t = active_target(*device);
    if (!t) return t.error();
    if (t->state == JobState::Transferring || t->state == JobState::Installing || t->state == JobState::Restarting)
        return make_error("too_late", "the update of " + *device + " is " + std::string(to_string(t->state)) +
                                          ": it can no longer be deferred, only canceled");
    auto st = transport_.publish(topics::gw_cmd(t->gateway), encode(GwDeferCmd{t->campaign, *device, req_id, *by}));
    if (!st) return st.error();
    log_info("manager", "defer_sent")
        .kv("campaign", t->campaign)
        .kv("gateway", t->gateway)
        .kv("device", *device)
        .kv("request", req_id)
        .kv("by_ms", *by ? (*by)->count() : 0);
    return target_data(*t, req_id);
}

Expected<Json> OperatorApi::cancel(const std::string& req_id, const cJSON* args) {
    auto device = json::get_id(args, "device", "device");
    if (!device) return device.error();
    auto t = active_target(*device);
    if (!t) return t.error();
    if (t->state == JobState::Restarting)
        return make_error("too_late", "the boot pointer of " + *device + " already flipped: it cannot be canceled");
    auto st = transport_.publish(topics::gw_cmd(t->gateway), encode(GwCancelCmd{t->campaign, *device, req_id}));
    if (!st) return st.error();
    log_info("manager", "cancel_sent").kv("campaign", t->campaign).kv("gateway", t->gateway).kv("device", *device).kv("request", req_id);
    return target_data(*t, req_id);
}

Expected<Json> OperatorApi::suspend(const std::string& req_id, const cJSON* args, bool suspend) {
    auto device = json::get_id(args, "device", "device");
    if (!device) return device.error();
    auto t = active_target(*device);
    if (!t) return t.error();
    if (suspend && (t->state == JobState::Installing || t->state == JobState::Restarting))
        return make_error("too_late", "the update of " + *device + " is " + std::string(to_string(t->state)) +
                                          ": the image is being written, it can no longer be suspended");
    if (!suspend && !t->suspended)
        return make_error("not_suspended", "the update of " + *device + " in campaign " + t->campaign +
                                               " is not suspended (state " + std::string(to_string(t->state)) + ")");
    auto st = transport_.publish(topics::gw_cmd(t->gateway), encode(GwSuspendCmd{t->campaign, *device, req_id, suspend}));
    if (!st) return st.error();
    log_info("manager", suspend ? "suspend_sent" : "resume_sent")
        .kv("campaign", t->campaign)
        .kv("gateway", t->gateway)
        .kv("device", *device)
        .kv("request", req_id);
    return target_data(*t, req_id);
}

Expected<Json> OperatorApi::set_param(const std::string& req_id, const cJSON* args) {
    auto device = json::get_id(args, "device", "device");
    if (!device) return device.error();
    auto name = json::get_id(args, "name", "parameter");
    if (!name) return name.error();
    if (*name != "deferment") return make_error("bad_args", "unknown parameter '" + *name + "' (deferment)");
    auto value = json::get_uint(args, "value_ms", static_cast<std::uint64_t>(kMaxDeferment.count()));
    if (!value) return value.error();
    auto d = store_.find_device(*device);
    if (!d) return d.error();
    if (!*d) return make_error("not_found", "unknown device " + *device);
    Millis v(static_cast<Millis::rep>(*value));
    auto st = transport_.publish(topics::gw_cmd((*d)->gateway), encode(GwSetParamCmd{*device, *name, v, req_id}));
    if (!st) return st.error();
    log_info("manager", "set_param_sent").kv("gateway", (*d)->gateway).kv("device", *device).kv("name", *name).kv("value_ms", v.count());
    auto data = Json::object();
    json::put(data.get(), "device", *device);
    json::put(data.get(), "gateway", (*d)->gateway);
    json::put(data.get(), "name", *name);
    json::put(data.get(), "value_ms", *value);
    return data;
}

}  // namespace fleetcast::manager
