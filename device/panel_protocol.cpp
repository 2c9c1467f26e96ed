#include "device/panel_protocol.hpp"

#include "common/ids.hpp"
#include "common/json.hpp"
#include "common/messages.hpp"

namespace fleetcast::device {

namespace {
constexpr std::size_t kMaxRequestBytes = 4096;
bool has(const cJSON* o, const char* key) { return cJSON_GetObjectItemCaseSensitive(o, key) != nullptr; }

Expected<Millis> millis(const cJSON* o, const char* key) {
    auto v = json::get_uint(o, key, static_cast<std::uint64_t>(kMaxDeferment.count()));
    if (!v) return v.error();
    return Millis(static_cast<Millis::rep>(*v));
}

Status read_condition(const cJSON* o, Condition& c) {
    auto st = json::get_string(o, "status", 16);
    if (!st) return st.error();
    auto status = device_status_from_string(*st);
    if (!status) return status.error();
    if (*status != DeviceStatus::Idle && *status != DeviceStatus::Busy && *status != DeviceStatus::Error)
        return make_error("bad_value", "status must be idle, busy or error");
    c.status = *status;
    if (has(o, "activity")) {
        auto a = json::get_id(o, "activity", "activity");
        if (!a) return a.error();
        if (c.status != DeviceStatus::Busy) return make_error("bad_value", "activity is only for status busy");
        c.activity = *a;
    }
    if (has(o, "service_call")) {
        auto sc = json::get_string(o, "service_call", 1);
        if (!sc) return sc.error();
        if (!valid_service_call(*sc)) return make_error("bad_value", "service_call must be A, B, C or D");
        if (c.status != DeviceStatus::Error) return make_error("bad_value", "service_call is only for status error");
        c.service_call = *sc;
    }
    if (c.status == DeviceStatus::Error && c.service_call.empty())
        return make_error("bad_value", "status error needs a service_call type (A, B, C or D)");
    return ok_status();
}
}  // namespace

std::string encode(const PanelRequest& r) {
    auto j = Json::object();
    json::put(j.get(), "type", "panel_request");
    json::put(j.get(), "id", r.id);
    json::put(j.get(), "action", r.action);
    if (r.by) json::put(j.get(), "by_ms", static_cast<std::uint64_t>(r.by->count()));
    if (r.action == "set_deferment") json::put(j.get(), "value_ms", static_cast<std::uint64_t>(r.value.count()));
    if (r.action == "set_status") {
        json::put(j.get(), "status", to_string(r.condition.status));
        if (!r.condition.activity.empty()) json::put(j.get(), "activity", r.condition.activity);
        if (!r.condition.service_call.empty()) json::put(j.get(), "service_call", r.condition.service_call);
    }
    return j.dump();
}

Expected<PanelRequest> decode_panel_request(std::string_view text) {
    auto j = Json::parse(text, kMaxRequestBytes);
    if (!j) return j.error();
    const cJSON* o = j->get();
    auto type = json::get_string(o, "type", 32);
    if (!type) return type.error();
    if (*type != "panel_request") return make_error("bad_type", "expected type panel_request, got '" + *type + "'");
    PanelRequest r;
    auto id = json::get_id(o, "id", "request");
    if (!id) return id.error();
    r.id = *id;
    auto action = json::get_string(o, "action", 32);
    if (!action) return action.error();
    r.action = *action;
    if (r.action == "defer") {
        if (has(o, "by_ms")) {
            auto by = millis(o, "by_ms");
            if (!by) return by.error();
            if (by->count() == 0) return make_error("bad_value", "by_ms must be positive");
            r.by = *by;
        }
    } else if (r.action == "set_deferment") {
        auto v = millis(o, "value_ms");
        if (!v) return v.error();
        r.value = *v;
    } else if (r.action == "set_status") {
        auto st = read_condition(o, r.condition);
        if (!st) return st.error();
    } else if (r.action != "cancel") {
        return make_error("bad_value",
                          "unknown action '" + r.action.substr(0, 32) + "' (defer, cancel, set_deferment, set_status)");
    }
    return r;
}

std::string encode(const PanelResponse& r) {
    auto j = Json::object();
    json::put(j.get(), "type", "panel_response");
    json::put(j.get(), "id", r.id);
    json::put(j.get(), "ok", r.ok);
    json::put(j.get(), "message", r.message);
    return j.dump();
}

Expected<PanelResponse> decode_panel_response(std::string_view text) {
    auto j = Json::parse(text, kMaxRequestBytes * 4);
    if (!j) return j.error();
    PanelResponse r;
    auto id = json::get_string(j->get(), "id", 64);
    if (!id) return id.error();
    auto ok = json::get_bool(j->get(), "ok");
    if (!ok) return ok.error();
    auto msg = json::get_string(j->get(), "message", 4096);
    if (!msg) return msg.error();
    r.id = *id;
    r.ok = *ok;
    r.message = *msg;
    return r;
}

}  // namespace fleetcast::device
