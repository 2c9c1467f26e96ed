#pragma once
// The one check that a chunk belongs to a signed image: every hop that takes
// a chunk in (the gateway's cache download, the device's slot) or sends one
// out of its cache (the gateway's fan-out and repairs) asks it here.
#include <cstdint>
#include <string_view>

#include "common/chunk_codec.hpp"
#include "common/error.hpp"
#include "common/messages.hpp"

namespace fleetcast {

// Decodes a chunk message and checks it against the manifest: the chunk
// count, and the payload's SHA-256 against the manifest's hash of that
// index. Errors: bad_chunk (the message says why).
Expected<ChunkView> decode_manifest_chunk(std::string_view message, const FirmwareManifest& manifest);

// The payload read for `index` (from a cache file) is the signed one.
Status check_manifest_chunk(const FirmwareManifest& manifest, std::uint32_t index, std::string_view payload);

}  // namespace fleetcast
