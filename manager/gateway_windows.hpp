#pragma once
// The operator's maintenance windows (issue 16 item 5): stored, then sent to
// the gateway as its retained gw/{gw}/window (empty: none), and sent again
// when the manager starts (a broker without persistence lost them).
#include "common/clock.hpp"
#include "common/operator_messages.hpp"
#include "common/operator_windows.hpp"
#include "common/transport.hpp"
#include "manager/manager_store.hpp"

namespace fleetcast::manager {

class GatewayWindows {
   public:
    GatewayWindows(ManagerStore& store, Transport& transport, Clock& clock)
        : store_(store), transport_(transport), clock_(clock) {}

    // gateway_set_window / gateway_clear_window: the gateway's window view.
    // An unknown gateway is not_found.
    Expected<Json> set(const GatewayWindowArgs& args);
    Expected<Json> clear(const GatewayArgs& args);
    // Every stored window published again (at start).
    Status republish_all();

   private:
    Status known(const std::string& gateway);
    ManagerStore& store_;
    Transport& transport_;
    Clock& clock_;
};

}  // namespace fleetcast::manager
