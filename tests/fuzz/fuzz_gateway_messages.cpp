// What the manager receives from gateways (reports, fetch requests, process
// state) and what a gateway receives from the manager on gw/{gw}/cmd and
// gw/{gw}/window.
#include "common/messages.hpp"
#include "tests/fuzz/fuzz_target.hpp"

void fuzz_one(std::string_view input) {
    (void)fleetcast::decode_gateway_report(input);
    (void)fleetcast::decode_fetch(input);
    (void)fleetcast::decode_process_state(input);
    (void)fleetcast::decode_gateway_command(input);
    (void)fleetcast::decode_window(input);
}
