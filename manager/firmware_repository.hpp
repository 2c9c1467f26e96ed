#pragma once
// The manager's "first storage" (R1): images content-addressed on disk under
// images/{sha256}, their manifests in the database.
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "manager/encode_job.hpp"
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

    // Issue 17 (firmware_deltas.cpp): deltas and compressed images, made by
    // a worker (encode_job.hpp) and recorded here on the loop. A delta from
    // `source` to `target` (same model and component) and the compressed
    // copy of an image are stored like images (images/{sha256}, a firmware
    // row whose manifest has `encoding`); one larger than max_delta_ratio
    // (max_compressed_ratio) of the image, or that failed, is given up:
    // stored too (schema 12), so it is not tried again after a restart.
    EncodeJob delta_job(const FirmwareManifest& source, const FirmwareManifest& target) const;
    EncodeJob compress_job(const FirmwareManifest& image) const;
    // What is made or given up, by (source SHA-256, target SHA-256).
    struct Encodings {
        std::map<EncodingKey, FirmwareManifest> made;
        std::set<EncodingKey> given_up;
    };
    Expected<Encodings> encodings();
    // Stores the worker's outcome: the signed manifest of a made artifact (in
    // the database after its file is in place), or the pair given up.
    Expected<std::optional<FirmwareManifest>> record(const EncodeOutcome& o);
    // Temp files of artifacts a killed manager left half made (at start).
    void remove_stale_temps();
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
};

// Checks ids, version and chunk size of a request (not the file).
Status validate(const FirmwareAddRequest& req);

}  // namespace fleetcast::manager
