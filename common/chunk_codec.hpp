#pragma once
// Binary chunk messages (manager -> gateway, gateway -> devices).
// Layout, little-endian:
//   magic "FCK1" (4) | index u32 | count u32 | payload length u32 |
//   SHA-256 of payload (32) | payload
// The firmware id is in the topic. The per-chunk hash catches corruption at
// every hop before a byte reaches storage.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/sha256.hpp"

namespace fleetcast {

inline constexpr std::size_t kChunkHeaderSize = 48;

struct ChunkView {
    std::uint32_t index = 0;
    std::uint32_t count = 0;
    std::string_view payload;  // points into the decoded buffer
    Digest digest{};           // SHA-256 of the payload (checked against the header)
};

std::string encode_chunk(std::uint32_t index, std::uint32_t count, std::string_view payload);
// Checks magic, bounds, length and hash. max_payload bounds what is accepted.
Expected<ChunkView> decode_chunk(std::string_view bytes, std::uint32_t max_payload);

}  // namespace fleetcast
