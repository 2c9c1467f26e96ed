#pragma once
// Issue 17: the device's side of a delta (topics.md "Deltas and compressed
// images"). Before it accepts a delta the agent checks that its active slot
// is the delta's source; once the delta is in and verified, it rebuilds the
// target image into the inactive slot, streaming (the active slot mapped as
// zstd's prefix, the slot file mapped as its output), and checks the rebuilt
// image against the signed target SHA-256 before any flip.
#include <filesystem>
#include <string>

#include "common/error.hpp"
#include "common/messages.hpp"

namespace fleetcast::device {

// ok when `active_slot` (the file the component boots from) hashes to the
// delta's source_sha256; else error delta_source with what differs.
Status check_delta_source(const FirmwareManifest& delta, const std::filesystem::path& active_slot);

// Rebuilds the delta's target from `active_slot` and the verified `delta`
// file into `slot` (created with exactly target_size bytes, fsynced).
// Returns the rebuilt image's SHA-256 (hex), which equals the signed
// target_sha256. Errors: delta_source (decodes to another image, or not at
// all: the delta cannot rebuild the target from this slot), no_space, io.
Expected<std::string> rebuild_from_delta(const FirmwareManifest& delta, const std::filesystem::path& active_slot,
                                         const std::filesystem::path& delta_file, const std::filesystem::path& slot);

// Where a delta's chunks are staged beside the inactive slot's file.
inline std::filesystem::path delta_staging_path(const std::filesystem::path& slot) { return slot.string() + ".delta"; }

}  // namespace fleetcast::device
