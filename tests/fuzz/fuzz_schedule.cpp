// Retained schedules (manager -> gateway).
#include "common/messages.hpp"
#include "tests/fuzz/fuzz_target.hpp"

void fuzz_one(std::string_view input) {
    auto s = fleetcast::decode_schedule(input);
    if (s) (void)fleetcast::encode(*s);
}
