// Operator requests that act on one device's update (R12, R14, R15, R19): the
// manager finds the device's gateway and its running campaign, and sends the
// gateway a command on gw/{gw}/cmd carrying the request id, so a redelivered
// command has no second effect. The gateway's job reports bring the outcome
// (new update time, CANCELED) back into the results.
#include "common/job_rules.hpp"
#include "common/log.hpp"
#include "common/topics.hpp"
#include "manager/operator_api.hpp"

namespace fleetcast::manager {

namespace {
Json control_answer(const TargetRecord& t, const std::string& request_id) {
    auto data = Json::object();
    to_json(data.get(), ControlAnswer{t.device, t.campaign, t.gateway, t.state, request_id});
    return data;
}
}  // namespace

Expected<TargetRecord> OperatorApi::active_target(const std::string& device) {
    auto campaigns = store_.campaigns_in_states({kCampaignActive, kCampaignPaused});
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

Expected<Json> OperatorApi::defer(const std::string& req_id, const DeferArgs& args) {
    const auto* device = &args.device;
    const auto* by = &args.by;
    auto t = active_target(*device);
    if (!t) return t.error();
    if (!job_rules::can_defer(t->state))
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
    return control_answer(*t, req_id);
}

Expected<Json> OperatorApi::cancel(const std::string& req_id, const DeviceArgs& args) {
    const auto* device = &args.device;
    auto t = active_target(*device);
    if (!t) return t.error();
    if (!job_rules::can_cancel(t->state))
        return make_error("too_late", "the boot pointer of " + *device + " already flipped: it cannot be canceled");
    auto st = transport_.publish(topics::gw_cmd(t->gateway), encode(GwCancelCmd{t->campaign, *device, req_id}));
    if (!st) return st.error();
    log_info("manager", "cancel_sent")
        .kv("campaign", t->campaign)
        .kv("gateway", t->gateway)
        .kv("device", *device)
        .kv("request", req_id);
    return control_answer(*t, req_id);
}

Expected<Json> OperatorApi::suspend(const std::string& req_id, const DeviceArgs& args, bool suspend) {
    const auto* device = &args.device;
    auto t = active_target(*device);
    if (!t) return t.error();
    if (suspend && !job_rules::can_suspend(t->state))
        return make_error("too_late", "the update of " + *device + " is " + std::string(to_string(t->state)) +
                                          ": the image is being written, it can no longer be suspended");
    if (!suspend && !t->suspended)
        return make_error("not_suspended", "the update of " + *device + " in campaign " + t->campaign +
                                               " is not suspended (state " + std::string(to_string(t->state)) + ")");
    auto st =
        transport_.publish(topics::gw_cmd(t->gateway), encode(GwSuspendCmd{t->campaign, *device, req_id, suspend}));
    if (!st) return st.error();
    log_info("manager", suspend ? "suspend_sent" : "resume_sent")
        .kv("campaign", t->campaign)
        .kv("gateway", t->gateway)
        .kv("device", *device)
        .kv("request", req_id);
    return control_answer(*t, req_id);
}

Expected<Json> OperatorApi::set_param(const std::string& req_id, const SetParamArgs& args) {
    auto d = store_.find_device(args.device);
    if (!d) return d.error();
    if (!*d) return make_error("not_found", "unknown device " + args.device);
    auto st = transport_.publish(topics::gw_cmd((*d)->gateway),
                                 encode(GwSetParamCmd{args.device, args.name, args.value, req_id}));
    if (!st) return st.error();
    log_info("manager", "set_param_sent")
        .kv("gateway", (*d)->gateway)
        .kv("device", args.device)
        .kv("name", args.name)
        .kv("value_ms", args.value.count());
    auto data = Json::object();
    to_json(data.get(), SetParamAnswer{args.device, (*d)->gateway, args.name, args.value});
    return data;
}

}  // namespace fleetcast::manager
