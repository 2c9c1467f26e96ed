#include "device/delta_rebuild.hpp"

#include "common/partial_image.hpp"
#include "common/sha256.hpp"
#include "common/zstd_artifact.hpp"

namespace fleetcast::device {

Status check_delta_source(const FirmwareManifest& delta, const std::filesystem::path& active_slot) {
    if (!delta.encoding || delta.encoding->source_sha256.empty()) return ok_status();
    auto digest = sha256_file(active_slot);
    if (!digest)
        return make_error("delta_source", "cannot read the active slot of " + delta.component + " (" +
                                              active_slot.string() + "): " + digest.error().message);
    const auto hex = to_hex(*digest);
    if (hex != delta.encoding->source_sha256)
        return make_error("delta_source", "active slot of " + delta.component + " has SHA-256 " + hex.substr(0, 16) +
                                              ", the delta's source (version " + delta.encoding->source_version +
                                              ") is " + delta.encoding->source_sha256.substr(0, 16));
    return ok_status();
}

Expected<std::string> rebuild_from_delta(const FirmwareManifest& delta, const std::filesystem::path& active_slot,
                                         const std::filesystem::path& delta_file, const std::filesystem::path& slot) {
    if (!delta.encoding) return make_error("delta_source", "manifest " + delta.fw_id + " is not a delta");
    // A partial full image left in the slot by an earlier attempt: its chunk
    // record goes with it, so it is never resumed over the rebuilt bytes.
    if (auto stale = PartialImage::open(slot, delta.encoding->target_size, delta.chunk_size, "rebuilt"))
        (void)(*stale)->discard();
    const auto& e = *delta.encoding;
    auto out = zstd_decode_file(e.source_sha256.empty() ? std::filesystem::path() : active_slot, delta_file, slot,
                                e.target_size);
    if (!out) {
        if (out.error().code == "no_space" || out.error().code == "io") return out.error();
        return make_error("delta_source",
                          "delta " + delta.fw_id + " does not rebuild from this slot: " + out.error().message);
    }
    if (out->sha256 != e.target_sha256)
        return make_error("delta_source", "rebuilt image SHA-256 " + out->sha256.substr(0, 16) +
                                              " != the signed target " + e.target_sha256.substr(0, 16));
    return out->sha256;
}

}  // namespace fleetcast::device
