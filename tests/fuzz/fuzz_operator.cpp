// Operator requests (manager) and responses (CLI).
#include "common/messages.hpp"
#include "tests/fuzz/fuzz_target.hpp"

void fuzz_one(std::string_view input) {
    (void)fleetcast::decode_operator_request(input);
    (void)fleetcast::decode_operator_response(input);
}
