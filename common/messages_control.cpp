// Control messages of the handshake, deferral and cancel (R11-R15): device
// commands cancel/postpone/set_param/suspend, device events deferred/defer/canceled,
// and the manager -> gateway commands on gw/{gw}/cmd.
#include "common/ids.hpp"
#include "common/message_fields.hpp"
#include "common/messages.hpp"

namespace fleetcast {

namespace {
Expected<std::string> who(const cJSON* o) {
    FC_TRY(by, json::get_string(o, "by", 16));
    if (*by != "operator" && *by != "panel") return make_error("bad_value", "'by' must be operator or panel");
    return *by;
}

Expected<std::optional<Millis>> optional_by(const cJSON* o) {
    if (!cJSON_GetObjectItemCaseSensitive(o, "by_ms")) return std::optional<Millis>();
    FC_TRY(ms, detail::millis_from_json(o, "by_ms", kMaxDeferment));
    if (ms->count() == 0) return make_error("bad_value", "by_ms must be positive");
    return std::optional<Millis>(*ms);
}

Status check_param(const std::string& name) {
    if (name != "deferment") return make_error("bad_value", "unknown parameter '" + name + "' (deferment)");
    return ok_status();
}

Json typed(const char* type) {
    auto j = Json::object();
    json::put(j.get(), "type", type);
    return j;
}
}  // namespace

bool valid_service_call(std::string_view t) { return t == "A" || t == "B" || t == "C" || t == "D"; }

Expected<Millis> detail::millis_from_json(const cJSON* obj, const char* key, Millis max) {
    FC_TRY(v, json::get_uint(obj, key, static_cast<std::uint64_t>(max.count())));
    return Millis(static_cast<Millis::rep>(*v));
}

// ---- device commands -----------------------------------------------------------
std::string encode(const CancelCmd& c) {
    auto j = typed("cancel");
    json::put(j.get(), "campaign", c.campaign);
    json::put(j.get(), "request_id", c.request_id);
    json::put(j.get(), "by", c.by);
    return j.dump();
}

std::string encode(const PostponeCmd& c) {
    auto j = typed("postpone");
    json::put(j.get(), "campaign", c.campaign);
    json::put(j.get(), "request_id", c.request_id);
    json::put(j.get(), "until", c.until);
    return j.dump();
}

std::string encode(const SetParamCmd& c) {
    auto j = typed("set_param");
    json::put(j.get(), "name", c.name);
    json::put(j.get(), "value_ms", static_cast<std::uint64_t>(c.value.count()));
    json::put(j.get(), "request_id", c.request_id);
    return j.dump();
}

std::string encode(const SuspendCmd& c) {
    auto j = typed("suspend");
    json::put(j.get(), "campaign", c.campaign);
    json::put(j.get(), "request_id", c.request_id);
    return j.dump();
}

Expected<DeviceCommand> detail::control_command_from_json(const cJSON* o, const std::string& type) {
    if (type == "set_param") {
        FC_TRY(name, json::get_id(o, "name", "parameter"));
        auto st = check_param(*name);
        if (!st) return st.error();
        FC_TRY(v, millis_from_json(o, "value_ms", kMaxDeferment));
        FC_TRY(rid, json::get_id(o, "request_id", "request"));
        return DeviceCommand{SetParamCmd{*name, *v, *rid}};
    }
    FC_TRY(campaign, json::get_id(o, "campaign", "campaign"));
    FC_TRY(rid, json::get_id(o, "request_id", "request"));
    if (type == "cancel") {
        FC_TRY(by, who(o));
        return DeviceCommand{CancelCmd{*campaign, *rid, *by}};
    }
    if (type == "postpone") {
        FC_TRY(until, json::get_time(o, "until"));
        return DeviceCommand{PostponeCmd{*campaign, *rid, *until}};
    }
    if (type == "suspend") return DeviceCommand{SuspendCmd{*campaign, *rid}};
    return make_error("unknown_type", "unknown device command type '" + type + "'");
}

// ---- device events -------------------------------------------------------------
std::string encode(const DeferredEvent& e) {
    auto j = typed("deferred");
    json::put(j.get(), "campaign", e.campaign);
    json::put(j.get(), "until", e.until);
    return j.dump();
}

std::string encode(const DeferRequestEvent& e) {
    auto j = typed("defer");
    json::put(j.get(), "campaign", e.campaign);
    json::put(j.get(), "request_id", e.request_id);
    if (e.by) json::put(j.get(), "by_ms", static_cast<std::uint64_t>(e.by->count()));
    return j.dump();
}

std::string encode(const CanceledEvent& e) {
    auto j = typed("canceled");
    json::put(j.get(), "campaign", e.campaign);
    json::put(j.get(), "request_id", e.request_id);
    json::put(j.get(), "by", e.by);
    return j.dump();
}

Expected<DeviceEvent> detail::control_event_from_json(const cJSON* o, const std::string& type) {
    FC_TRY(campaign, json::get_id(o, "campaign", "campaign"));
    if (type == "deferred") {
        FC_TRY(until, json::get_time(o, "until"));
        return DeviceEvent{DeferredEvent{*campaign, *until}};
    }
    if (type == "defer") {
        FC_TRY(rid, json::get_id(o, "request_id", "request"));
        FC_TRY(by, optional_by(o));
        return DeviceEvent{DeferRequestEvent{*campaign, *rid, *by}};
    }
    if (type == "canceled") {
        FC_TRY(rid, json::get_id(o, "request_id", "request"));
        FC_TRY(by, who(o));
        return DeviceEvent{CanceledEvent{*campaign, *rid, *by}};
    }
    return make_error("unknown_type", "unknown device event type '" + type + "'");
}

// ---- manager -> gateway commands -------------------------------------------------
std::string encode(const GwDeferCmd& c) {
    auto j = typed("defer");
    json::put(j.get(), "campaign", c.campaign);
    json::put(j.get(), "device", c.device);
    json::put(j.get(), "request_id", c.request_id);
    if (c.by) json::put(j.get(), "by_ms", static_cast<std::uint64_t>(c.by->count()));
    return j.dump();
}

std::string encode(const GwCancelCmd& c) {
    auto j = typed("cancel");
    json::put(j.get(), "campaign", c.campaign);
    json::put(j.get(), "device", c.device);
    json::put(j.get(), "request_id", c.request_id);
    return j.dump();
}

std::string encode(const GwSetParamCmd& c) {
    auto j = typed("set_param");
    json::put(j.get(), "device", c.device);
    json::put(j.get(), "name", c.name);
    json::put(j.get(), "value_ms", static_cast<std::uint64_t>(c.value.count()));
    json::put(j.get(), "request_id", c.request_id);
    return j.dump();
}

std::string encode(const GwSuspendCmd& c) {
    auto j = typed(c.suspend ? "suspend" : "resume");
    json::put(j.get(), "campaign", c.campaign);
    json::put(j.get(), "device", c.device);
    json::put(j.get(), "request_id", c.request_id);
    return j.dump();
}

std::string encode(const GwResyncCmd& c) {
    auto j = typed("resync");
    json::put(j.get(), "campaign", c.campaign);
    json::put(j.get(), "request_id", c.request_id);
    return j.dump();
}

Expected<GatewayCommand> decode_gateway_command(std::string_view text) {
    FC_TRY(j, Json::parse(text, 64 * 1024));
    const cJSON* o = j->get();
    FC_TRY(type, detail::message_type(o));
    if (*type == "resync") {  // names a campaign, not a device
        FC_TRY(campaign, json::get_id(o, "campaign", "campaign"));
        FC_TRY(rid, json::get_id(o, "request_id", "request"));
        return GatewayCommand{GwResyncCmd{*campaign, *rid}};
    }
    if (*type == "campaign") {  // every job of a campaign (issue 16)
        FC_TRY(c, detail::campaign_command_from_json(o));
        return GatewayCommand{std::move(*c)};
    }
    FC_TRY(device, json::get_id(o, "device", "device"));
    FC_TRY(rid, json::get_id(o, "request_id", "request"));
    if (*type == "set_param") {
        FC_TRY(name, json::get_id(o, "name", "parameter"));
        auto st = check_param(*name);
        if (!st) return st.error();
        FC_TRY(v, detail::millis_from_json(o, "value_ms", kMaxDeferment));
        return GatewayCommand{GwSetParamCmd{*device, *name, *v, *rid}};
    }
    FC_TRY(campaign, json::get_id(o, "campaign", "campaign"));
    if (*type == "defer") {
        FC_TRY(by, optional_by(o));
        return GatewayCommand{GwDeferCmd{*campaign, *device, *rid, *by}};
    }
    if (*type == "cancel") return GatewayCommand{GwCancelCmd{*campaign, *device, *rid}};
    if (*type == "suspend" || *type == "resume")
        return GatewayCommand{GwSuspendCmd{*campaign, *device, *rid, *type == "suspend"}};
    return make_error("unknown_type", "unknown gateway command type '" + *type + "'");
}

}  // namespace fleetcast
