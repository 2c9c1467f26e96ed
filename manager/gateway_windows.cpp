#include "manager/gateway_windows.hpp"

#include "common/log.hpp"
#include "common/topics.hpp"

namespace fleetcast::manager {

namespace {
Json view_json(const GatewayWindowView& v) {
    auto j = Json::object();
    to_json(j.get(), v);
    return j;
}
}  // namespace

Status GatewayWindows::known(const std::string& gateway) {
    auto all = store_.list_gateways();
    if (!all) return all.error();
    for (const auto& g : *all)
        if (g.id == gateway) return ok_status();
    return make_error("not_found", "unknown gateway " + gateway);
}

Expected<Json> GatewayWindows::set(const GatewayWindowArgs& args) {
    if (auto st = known(args.gateway); !st) return st.error();
    const auto now = clock_.now();
    WindowMsg w{args.gateway, args.window, args.tz, now};
    // Stored first: a manager killed after this line sends it at its next start.
    if (auto st = store_.set_gateway_window(w); !st) return st.error();
    if (auto st = transport_.publish(topics::gw_window(args.gateway), encode(w), true); !st) return st.error();
    auto view = window_view(args.gateway, w, now);
    log_info("manager", "window_set")
        .kv("gateway", args.gateway)
        .kv("window", args.window)
        .kv("tz", args.tz)
        .kv("next_open", view.next_open ? format_time(*view.next_open) : "-")
        .kv("next_close", view.next_close ? format_time(*view.next_close) : "-");
    return view_json(view);
}

Expected<Json> GatewayWindows::clear(const GatewayArgs& args) {
    if (auto st = known(args.gateway); !st) return st.error();
    if (auto st = store_.clear_gateway_window(args.gateway); !st) return st.error();
    if (auto st = transport_.publish(topics::gw_window(args.gateway), std::string(), true); !st) return st.error();
    log_info("manager", "window_cleared").kv("gateway", args.gateway);
    return view_json(window_view(args.gateway, std::nullopt, clock_.now()));
}

Status GatewayWindows::republish_all() {
    auto all = store_.gateway_windows();
    if (!all) return all.error();
    for (const auto& [gw, w] : *all) {
        auto st = transport_.publish(topics::gw_window(gw), encode(w), true);
        if (!st) return st;
    }
    if (!all->empty()) log_info("manager", "windows_republished").kv("gateways", all->size());
    return ok_status();
}

}  // namespace fleetcast::manager
