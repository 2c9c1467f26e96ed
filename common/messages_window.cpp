// The maintenance window message, manager -> gateway (issue 16 item 5).
#include "common/maintenance_window.hpp"
#include "common/message_fields.hpp"

namespace fleetcast {

std::string encode(const WindowMsg& w) {
    auto j = Json::object();
    cJSON* o = j.get();
    json::put(o, "type", "window");
    json::put(o, "gateway", w.gateway);
    json::put(o, "window", w.window);
    json::put(o, "tz", w.tz);
    json::put(o, "set_at", w.set_at);
    return j.dump();
}

Expected<WindowMsg> decode_window(std::string_view text) {
    FC_TRY(j, Json::parse(text));
    const cJSON* o = j->get();
    auto st = detail::expect_type(o, "window");
    if (!st) return st.error();
    WindowMsg w;
    FC_TRY(gw, json::get_id(o, "gateway", "gateway"));
    FC_TRY(window, json::get_string(o, "window", kMaxWindowSpec));
    FC_TRY(tz, json::get_string(o, "tz", 64));
    FC_TRY(at, json::get_time(o, "set_at"));
    auto parsed = parse_window(*window, *tz);
    if (!parsed) return parsed.error();
    w.gateway = *gw;
    w.window = *window;
    w.tz = *tz;
    w.set_at = *at;
    return w;
}

}  // namespace fleetcast
