#pragma once
// The operator's maintenance-window ops (issue 16 item 5): gateway_set_window
// (args: gateway, window, tz) and gateway_clear_window (args: gateway), both
// answered with the gateway's window view, which gateway_list carries too.
// See topics.md "Operator request / response" and README "Maintenance windows".
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/json.hpp"
#include "common/messages.hpp"

namespace fleetcast {

struct GatewayWindowArgs {
    std::string gateway;
    std::string window;  // "Mon-Fri 22:00-05:00"
    std::string tz;      // "Europe/Berlin"
};
void to_json(cJSON* o, const GatewayWindowArgs& a);
// The window and the zone must parse (common/maintenance_window.hpp): bad_args.
Expected<GatewayWindowArgs> gateway_window_args_from_json(const cJSON* o);

// A gateway's window as the views show it; window empty: none (always open).
struct GatewayWindowView {
    std::string gateway;
    std::string window;
    std::string tz;
    std::optional<TimePoint> set_at;
    bool open_now = true;
    std::optional<TimePoint> next_open;   // the opening in force or the next one
    std::optional<TimePoint> next_close;  // its end
};
// From the stored window message (none: no window) at `now`.
GatewayWindowView window_view(const std::string& gateway, const std::optional<WindowMsg>& w, TimePoint now);
// {"gateway":..,"window":..,"tz":..,"set_at":..,"open_now":..,"next_open":..,"next_close":..}
void to_json(cJSON* o, const GatewayWindowView& v);
Expected<GatewayWindowView> gateway_window_view_from_json(const cJSON* o);

}  // namespace fleetcast
