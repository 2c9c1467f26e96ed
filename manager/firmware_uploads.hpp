#pragma once
// Images being uploaded over MQTT (issue 19 item 1), under the manager's
// state directory: uploads/{upload}.meta (the begin args, written atomically)
// and uploads/{upload}.part (the bytes so far, each piece fsynced before it is
// acknowledged). A broken upload resumes from what the part holds; a commit
// checks size and SHA-256 of the whole before the image is added; a tampered
// upload is deleted, so it leaves nothing. An upload nobody continued for the
// expiry period (`--upload-expiry`, 24 h by default) is removed.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/operator_upload.hpp"

namespace fleetcast::manager {

class FirmwareUploads {
   public:
    FirmwareUploads(std::filesystem::path dir, std::uint64_t max_size) : dir_(std::move(dir)), max_size_(max_size) {}

    // Starts an upload, or resumes the one with this id (same size, hash and metadata).
    Expected<FirmwareUploadProgress> begin(const FirmwareUploadBeginArgs& a);
    // Appends a piece at the end of what is held. A piece that ends at or before
    // it (a redelivered request) changes nothing: the answer says what is held.
    Expected<FirmwareUploadProgress> append(const FirmwareUploadPieceArgs& p);
    struct Complete {
        std::filesystem::path file;  // the whole image, size and SHA-256 checked
        FirmwareUploadBeginArgs meta;
    };
    // The whole image; "incomplete" keeps the upload (it can go on), a wrong
    // SHA-256 deletes it ("tampered").
    Expected<Complete> complete(const std::string& upload);
    // Removes the upload's files (after the image was added).
    void remove(const std::string& upload);

    struct Expired {
        std::string upload;
        std::uint64_t held = 0;  // bytes it had received
        Millis idle{0};          // since its last begin or piece
    };
    // Removes every upload whose last begin or piece is `idle` or longer before
    // `now` (file times: the ages are the files' own), with files of the
    // upload directory that belong to no upload (a crash between a part's
    // creation and its metadata). Returns what it removed.
    std::vector<Expired> expire(std::filesystem::file_time_type now, Millis idle);

   private:
    std::filesystem::path meta_path(const std::string& upload) const { return dir_ / (upload + ".meta"); }
    std::filesystem::path part_path(const std::string& upload) const { return dir_ / (upload + ".part"); }
    Expected<FirmwareUploadBeginArgs> load(const std::string& upload) const;
    Expected<std::uint64_t> held(const std::string& upload) const;
    std::filesystem::path dir_;
    std::uint64_t max_size_;
};

}  // namespace fleetcast::manager
