#pragma once
// One firmware image being received into a device's inactive slot: checks
// each chunk against the manifest, streams it to disk through PartialImage,
// and remembers which chunks the last `need` asked for so the next request
// can go out as soon as that batch has arrived.
#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/messages.hpp"
#include "common/partial_image.hpp"

namespace fleetcast::device {

class ImageDownload {
   public:
    // Opens (or resumes, when the slot file holds part of the same image) the slot file.
    // A clean stop records every chunk on disk, so a restart re-asks none of them.
    ~ImageDownload();
    ImageDownload(const ImageDownload&) = delete;
    ImageDownload& operator=(const ImageDownload&) = delete;

    static Expected<std::unique_ptr<ImageDownload>> open(const FirmwareManifest& manifest,
                                                         const std::filesystem::path& slot_file);
    // Writes the chunks straight into `target` (the handler's inactive slot:
    // a block device or a file it named in its `slot-path` step) at their
    // offsets; only the bitmaps live at `slot_file` in the state directory,
    // and a staging copy left there by an earlier attempt is removed.
    static Expected<std::unique_ptr<ImageDownload>> open_direct(const FirmwareManifest& manifest,
                                                                const std::filesystem::path& slot_file,
                                                                const std::filesystem::path& target);

    // Decodes and stores one binary chunk. true: newly written, false: a duplicate.
    // Errors: bad_chunk / checksum (input), no_space / write_failure / io (storage).
    Expected<bool> accept(std::string_view chunk_message);

    // The next missing ranges to ask for (at most max_chunks chunks).
    std::vector<ChunkRange> next_need(std::uint32_t max_chunks);
    // Every chunk still missing, in at most max_ranges ranges (the last one
    // runs to the end of the image when there are more: a superset).
    std::vector<ChunkRange> missing(std::size_t max_ranges) const;
    // Every chunk of the last request has arrived (and the image is still incomplete).
    bool need_answered() const { return asked_ && outstanding_ == 0 && !complete(); }
    // A request is out and part of its answer has not arrived yet.
    bool awaiting_answer() const { return asked_ && outstanding_ > 0 && !complete(); }

    // Checks the whole image against the manifest's SHA-256 and remembers the
    // digest computed (the power_on report carries it after the flip). A
    // direct download is read back from its target, whatever was computed on the way.
    Status verify();
    const std::string& verified_sha256() const { return verified_sha256_; }
    Status finish();
    // Records every chunk on disk (the bitmap), so a restart from here resumes the complete image.
    Status checkpoint() { return image_->checkpoint(); }
    // The complete image, recorded as checkpoint() does, with its file closed:
    // the install handler may need it alone (rauc install).
    Status release() { return image_->release(); }
    // Throws the slot file away and starts the image over.
    Status restart();
    // Removes the partial image (data and bitmap): an expired update (R18).
    Status discard() { return image_->discard(); }

    const FirmwareManifest& manifest() const { return manifest_; }
    // Where the image's bytes are: the staging slot file, or the handler's target.
    const std::filesystem::path& data_path() const { return image_->path(); }
    bool direct() const { return direct_; }
    bool complete() const { return image_->complete(); }
    std::uint32_t received() const { return image_->received(); }
    std::uint32_t chunk_count() const { return image_->chunk_count(); }

   private:
    ImageDownload(FirmwareManifest m, std::filesystem::path p) : manifest_(std::move(m)), path_(std::move(p)) {}
    bool was_asked(std::uint32_t index) const;
    Expected<std::unique_ptr<PartialImage>> open_image() const;
    FirmwareManifest manifest_;
    std::filesystem::path path_;  // the slot file in the state directory (data, or the bitmaps' base when direct)
    std::filesystem::path target_;
    bool direct_ = false;
    std::unique_ptr<PartialImage> image_;
    std::vector<ChunkRange> asked_ranges_;
    std::uint32_t outstanding_ = 0;
    bool asked_ = false;
    bool finished_ = false;
    std::string verified_sha256_;  // hex, set by a successful verify()
};

}  // namespace fleetcast::device
