// Binary chunks as the gateway and devices receive them.
#include <cstdlib>

#include "common/chunk_codec.hpp"
#include "common/messages.hpp"
#include "tests/fuzz/fuzz_target.hpp"

void fuzz_one(std::string_view input) {
    auto c = fleetcast::decode_chunk(input, fleetcast::kMaxChunkSize);
    if (!c) return;
    // An accepted chunk lies inside the input and its index inside its count.
    if (c->index >= c->count || c->payload.data() < input.data() ||
        c->payload.data() + c->payload.size() > input.data() + input.size())
        std::abort();
}
