// Topic names of every incoming message.
#include <string>

#include "common/topics.hpp"
#include "tests/fuzz/fuzz_target.hpp"

void fuzz_one(std::string_view input) { (void)fleetcast::topics::parse_topic(std::string(input)); }
