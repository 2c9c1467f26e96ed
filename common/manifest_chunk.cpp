#include "common/manifest_chunk.hpp"

#include <string>

#include "common/sha256.hpp"

namespace fleetcast {

namespace {
Status check_digest(const FirmwareManifest& m, std::uint32_t index, const Digest& digest) {
    if (m.chunk_sha256.size() != m.chunk_count || index >= m.chunk_count || digest != m.chunk_sha256[index])
        return make_error("bad_chunk",
                          "chunk " + std::to_string(index) + " does not match its SHA-256 in the signed manifest");
    return ok_status();
}
}  // namespace

Expected<ChunkView> decode_manifest_chunk(std::string_view message, const FirmwareManifest& manifest) {
    auto chunk = decode_chunk(message, manifest.chunk_size);
    if (!chunk) return chunk.error();
    if (chunk->count != manifest.chunk_count)
        return make_error("bad_chunk", "chunk count " + std::to_string(chunk->count) + " != manifest chunk_count " +
                                           std::to_string(manifest.chunk_count));
    auto st = check_digest(manifest, chunk->index, chunk->digest);
    if (!st) return st.error();
    return chunk;
}

Status check_manifest_chunk(const FirmwareManifest& manifest, std::uint32_t index, std::string_view payload) {
    return check_digest(manifest, index, sha256(payload));
}

}  // namespace fleetcast
