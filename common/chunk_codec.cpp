#include "common/chunk_codec.hpp"

#include <cstring>

namespace fleetcast {

namespace {
void put_u32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
std::uint32_t get_u32(std::string_view s, std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(s[at + i])) << (8 * i);
    return v;
}
}  // namespace

std::string encode_chunk(std::uint32_t index, std::uint32_t count, std::string_view payload) {
    std::string out;
    out.reserve(kChunkHeaderSize + payload.size());
    out.append("FCK1", 4);
    put_u32(out, index);
    put_u32(out, count);
    put_u32(out, static_cast<std::uint32_t>(payload.size()));
    auto d = sha256(payload);
    out.append(reinterpret_cast<const char*>(d.data()), d.size());
    out.append(payload);
    return out;
}

Expected<ChunkView> decode_chunk(std::string_view bytes, std::uint32_t max_payload) {
    if (bytes.size() < kChunkHeaderSize) return make_error("bad_chunk", "chunk shorter than its header");
    if (bytes.substr(0, 4) != "FCK1") return make_error("bad_chunk", "chunk magic is not FCK1");
    ChunkView v;
    v.index = get_u32(bytes, 4);
    v.count = get_u32(bytes, 8);
    std::uint32_t len = get_u32(bytes, 12);
    if (v.count == 0 || v.index >= v.count) return make_error("bad_chunk", "chunk index out of range");
    if (len > max_payload) return make_error("bad_chunk", "chunk payload larger than allowed");
    if (bytes.size() != kChunkHeaderSize + len)
        return make_error("bad_chunk", "chunk truncated: header says " + std::to_string(len) + " bytes, got " +
                                           std::to_string(bytes.size() - kChunkHeaderSize));
    v.payload = bytes.substr(kChunkHeaderSize, len);
    auto d = sha256(v.payload);
    if (std::memcmp(d.data(), bytes.data() + 16, 32) != 0)
        return make_error("checksum", "chunk " + std::to_string(v.index) + " fails its SHA-256");
    v.digest = d;
    return v;
}

}  // namespace fleetcast
