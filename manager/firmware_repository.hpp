#pragma once
// The manager's "first storage" (R1): images content-addressed on disk under
// images/{sha256}, their manifests in the database.
#include <filesystem>
#include <optional>
#include <string>

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

   private:
    struct CopiedImage {
        std::string sha256;
        std::uint64_t size = 0;
        std::filesystem::path temp;  // fsynced copy, not yet in place
    };
    Expected<CopiedImage> copy_and_hash(const std::filesystem::path& source);
    // Moves the copy to images/{sha256} (kept when already there).
    Status commit(const CopiedImage& image);
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
