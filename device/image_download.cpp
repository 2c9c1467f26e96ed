#include "device/image_download.hpp"

#include "common/atomic_file.hpp"
#include "common/manifest_chunk.hpp"
#include "common/sha256.hpp"

namespace fleetcast::device {

Expected<std::unique_ptr<ImageDownload>> ImageDownload::open(const FirmwareManifest& manifest,
                                                             const std::filesystem::path& slot_file) {
    auto st = ensure_dir(slot_file.parent_path());
    if (!st) return st.error();
    std::unique_ptr<ImageDownload> d(new ImageDownload(manifest, slot_file));
    auto img = d->open_image();
    if (!img) return img.error();
    d->image_ = std::move(*img);
    return d;
}

Expected<std::unique_ptr<ImageDownload>> ImageDownload::open_direct(const FirmwareManifest& manifest,
                                                                    const std::filesystem::path& slot_file,
                                                                    const std::filesystem::path& target) {
    auto st = ensure_dir(slot_file.parent_path());
    if (!st) return st.error();
    std::unique_ptr<ImageDownload> d(new ImageDownload(manifest, slot_file));
    d->direct_ = true;
    d->target_ = target;
    // A staging copy of an earlier attempt (a handler without slot-path then):
    // the state directory never holds an image beside the target.
    std::error_code ec;
    std::filesystem::remove(slot_file, ec);
    auto img = d->open_image();
    if (!img) return img.error();
    d->image_ = std::move(*img);
    return d;
}

Expected<std::unique_ptr<PartialImage>> ImageDownload::open_image() const {
    // Identity = image hash: a partial slot of the same image resumes, anything
    // else starts over. A direct download's also names its target, so chunks
    // recorded for one target are never taken as written to another.
    if (!direct_) return PartialImage::open(path_, manifest_.size, manifest_.chunk_size, manifest_.sha256);
    PartialImageOptions o;
    o.bitmap_base = path_;
    o.external_data = true;
    auto identity = manifest_.sha256 + "@" + to_hex(sha256(target_.string())).substr(0, 16);
    return PartialImage::open(target_, manifest_.size, manifest_.chunk_size, identity, o);
}

ImageDownload::~ImageDownload() {
    if (image_ && !finished_) image_->checkpoint();
}

Status ImageDownload::verify() {
    verified_sha256_.clear();
    auto d = direct_ ? image_->read_back_digest() : image_->digest();
    if (!d) return d.error();
    auto hex = to_hex(*d);
    if (hex != manifest_.sha256)
        return make_error("checksum",
                          "image " + image_->path().string() + " SHA-256 " + hex + " != expected " + manifest_.sha256);
    verified_sha256_ = std::move(hex);
    return ok_status();
}

Status ImageDownload::finish() {
    finished_ = true;
    return image_->finish();
}

Expected<bool> ImageDownload::accept(std::string_view chunk_message) {
    // Checked before the duplicate test, so a forged copy of a chunk we hold is still counted.
    auto chunk = decode_manifest_chunk(chunk_message, manifest_);
    if (!chunk) return chunk.error();
    if (image_->has(chunk->index)) return false;
    auto st = image_->write_chunk(chunk->index, chunk->payload);
    if (!st) return st.error();
    if (outstanding_ > 0 && was_asked(chunk->index)) --outstanding_;
    return true;
}

bool ImageDownload::was_asked(std::uint32_t index) const {
    for (const auto& r : asked_ranges_)
        if (index >= r.first && index <= r.last) return true;
    return false;
}

std::vector<ChunkRange> ImageDownload::next_need(std::uint32_t max_chunks) {
    asked_ranges_ = image_->missing(max_chunks);
    outstanding_ = 0;
    for (const auto& r : asked_ranges_) outstanding_ += r.last - r.first + 1;
    asked_ = true;
    return asked_ranges_;
}

Status ImageDownload::restart() {
    auto st = image_->discard();
    if (!st) return st;
    asked_ranges_.clear();
    outstanding_ = 0;
    asked_ = false;
    auto img = open_image();
    if (!img) return img.error();
    image_ = std::move(*img);
    return ok_status();
}

std::vector<ChunkRange> ImageDownload::missing(std::size_t max_ranges) const {
    auto ranges = image_->missing();
    if (max_ranges > 0 && ranges.size() > max_ranges) {
        ranges[max_ranges - 1].last = ranges.back().last;
        ranges.resize(max_ranges);
    }
    return ranges;
}

}  // namespace fleetcast::device
