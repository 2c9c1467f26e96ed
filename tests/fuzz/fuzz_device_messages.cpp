// What devices and gateways exchange: commands, events, retained device state.
#include "common/messages.hpp"
#include "tests/fuzz/fuzz_target.hpp"

void fuzz_one(std::string_view input) {
    (void)fleetcast::decode_device_command(input);
    (void)fleetcast::decode_device_event(input);
    (void)fleetcast::decode_device_state(input);
}
