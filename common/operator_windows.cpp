// The maintenance-window ops' args and view (common/operator_windows.hpp).
#include "common/operator_windows.hpp"

#include "common/maintenance_window.hpp"
#include "common/message_fields.hpp"

namespace fleetcast {

void to_json(cJSON* o, const GatewayWindowArgs& a) {
    json::put(o, "gateway", a.gateway);
    json::put(o, "window", a.window);
    json::put(o, "tz", a.tz);
}

Expected<GatewayWindowArgs> gateway_window_args_from_json(const cJSON* o) {
    GatewayWindowArgs a;
    FC_TRY(gw, json::get_id(o, "gateway", "gateway"));
    FC_TRY(window, json::get_string(o, "window", kMaxWindowSpec));
    FC_TRY(tz, json::get_string(o, "tz", 64));
    auto parsed = parse_window(*window, *tz);
    if (!parsed) return parsed.error();
    a.gateway = *gw;
    a.window = *window;
    a.tz = *tz;
    return a;
}

GatewayWindowView window_view(const std::string& gateway, const std::optional<WindowMsg>& w, TimePoint now) {
    GatewayWindowView v;
    v.gateway = gateway;
    if (!w) return v;
    v.window = w->window;
    v.tz = w->tz;
    v.set_at = w->set_at;
    auto parsed = parse_window(w->window, w->tz);
    if (!parsed) return v;
    auto span = window_span(*parsed, now);
    v.open_now = span.open <= now && now < span.close;
    v.next_open = span.open;
    v.next_close = span.close;
    return v;
}

void to_json(cJSON* o, const GatewayWindowView& v) {
    json::put(o, "gateway", v.gateway);
    json::put(o, "window", v.window);
    json::put(o, "tz", v.tz);
    json::put(o, "set_at", v.set_at);
    json::put(o, "open_now", v.open_now);
    json::put(o, "next_open", v.next_open);
    json::put(o, "next_close", v.next_close);
}

Expected<GatewayWindowView> gateway_window_view_from_json(const cJSON* o) {
    GatewayWindowView v;
    FC_TRY(gw, json::get_id(o, "gateway", "gateway"));
    FC_TRY(window, json::get_string(o, "window", kMaxWindowSpec));
    FC_TRY(tz, json::get_string(o, "tz", 64));
    FC_TRY(open, json::get_bool(o, "open_now"));
    FC_TRY(set_at, json::get_optional_time(o, "set_at"));
    FC_TRY(next_open, json::get_optional_time(o, "next_open"));
    FC_TRY(next_close, json::get_optional_time(o, "next_close"));
    if (!window->empty()) {
        auto parsed = parse_window(*window, *tz);
        if (!parsed) return make_error("bad_value", parsed.error().message);
    }
    v.gateway = *gw;
    v.window = *window;
    v.tz = *tz;
    v.open_now = *open;
    v.set_at = *set_at;
    v.next_open = *next_open;
    v.next_close = *next_close;
    return v;
}

}  // namespace fleetcast
