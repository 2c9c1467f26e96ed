#pragma once
// The manager's "first storage" (R1): images content-addressed on disk under
// images/{sha256}, their manifests in the database.
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "manager/manager_store.hpp"
#include "manager/manifest_signer.hpp"

namespace fleetcast::manager {

struct FirmwareAddRequest {
    std::filesystem::path path;  // readable by the manager
    std::string model;
    std::string component;
    std::string version;
    std::uint32_t chunk_size = kDefaultChunkSize;
    bool allow_downgrade = false;
};

class FirmwareRepository {
   public:
    FirmwareRepository(ManagerStore& store, Clock& clock, std::filesystem::path images_dir,
                       const ManifestSigner& signer);

    // Hashes and copies the file in one streamed pass (temp + fsync + rename),
    // then records the manifest. Re-adding the same image with the same
    // metadata returns the stored manifest; other metadata is an error.
    Expected<FirmwareManifest> add(const FirmwareAddRequest& req);
    Expected<std::optional<FirmwareManifest>> find(const std::string& fw_id);
    std::filesystem::path image_path(const FirmwareManifest& m) const { return images_dir_ / m.sha256; }

    // Issue 17 (firmware_deltas.cpp): the signed zstd delta from `source` to
    // `target` (same model and component), made once and stored like an
    // image (images/{sha256}, a firmware row whose manifest has `encoding`);
    // nullopt when it would be larger than max_delta_ratio of the target
    // (remembered: not made again by this process).
    Expected<std::optional<FirmwareManifest>> ensure_delta(const FirmwareManifest& source,
                                                           const FirmwareManifest& target);
    // What both make: the zstd artifact of `target` (with `source` as prefix
    // unless null), stored and signed, or nullopt above `max_ratio` of the target.
    Expected<std::optional<FirmwareManifest>> ensure_encoded(const FirmwareManifest* source,
                                                             const FirmwareManifest& target, double max_ratio,
                                                             int level);
    // Issue 17 item 2: the signed zstd-compressed copy of `image` (an
    // `encoding` without a source), made once; nullopt when it would be
    // larger than max_compressed_ratio of the image (random data).
    Expected<std::optional<FirmwareManifest>> ensure_compressed(const FirmwareManifest& image);
    double max_compressed_ratio = 0.9;
    int compress_level = 9;
    double max_delta_ratio = 0.6;
    int delta_level = 12;  // bench/README.md "Deltas": 10 % in 7 s for an 11 MB binary; 19 gives 8 % in 60 s

   private:
    struct CopiedImage {
        std::string sha256;
        std::uint64_t size = 0;
        std::filesystem::path temp;  // fsynced copy, not yet in place
    };
    Expected<CopiedImage> copy_and_hash(const std::filesystem::path& source);
    // Moves the copy to images/{sha256} (kept when already there).
    Status commit(const CopiedImage& image);
    // The chunk hashes of `file` (an image or a delta) into m, then m signed.
    Expected<FirmwareManifest> chunk_and_sign(FirmwareManifest m, const std::filesystem::path& file);
    // Checks the new manifest against the stored ones: the existing manifest
    // for an identical re-add, nothing for a new one, an error for a clash.
    Expected<std::optional<FirmwareManifest>> check_duplicate(const FirmwareManifest& m);
    ManagerStore& store_;
    Clock& clock_;
    std::filesystem::path images_dir_;
    const ManifestSigner& signer_;
    std::set<std::pair<std::string, std::string>> skipped_deltas_;  // (source, target) sha256 too big
};

// Issue 17: makes (or finds) the delta each target of a campaign can use:
// from the image of the version the device runs (old_versions) to the
// image it gets, when the repository holds that version's image; and the
// compressed image for the others, when compression saves. What cannot be
// made is logged; the device then gets the full image.
void make_campaign_deltas(FirmwareRepository& repo, const std::string& campaign,
                          const std::vector<TargetRecord>& targets, const std::vector<FirmwareManifest>& firmware);

// Checks ids, version and chunk size of a request (not the file).
Status validate(const FirmwareAddRequest& req);

}  // namespace fleetcast::manager
