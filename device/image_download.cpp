#include "device/image_download.hpp"

#include "common/atomic_file.hpp"
#include "common/manifest_chunk.hpp"

namespace fleetcast::device {

Expected<std::unique_ptr<ImageDownload>> ImageDownload::open(const FirmwareManifest& manifest,
                                                             const std::filesystem::path& slot_file) {
    auto st = ensure_dir(slot_file.parent_path());
    if (!st) return st.error();
    std::unique_ptr<ImageDownload> d(new ImageDownload(manifest, slot_file));
    // Identity = image hash: a partial slot of the same image resumes, anything else starts over.
    auto img = PartialImage::open(slot_file, manifest.size, manifest.chunk_size, manifest.sha256);
    if (!img) return img.error();
    d->image_ = std::move(*img);
    return d;
}

ImageDownload::~ImageDownload() {
    if (image_ && !finished_) image_->checkpoint();
}

Status ImageDownload::verify() {
    verified_sha256_.clear();
    auto d = image_->digest();
    if (!d) return d.error();
    auto hex = to_hex(*d);
    if (hex != manifest_.sha256)
        return make_error("checksum",
                          "image " + path_.string() + " SHA-256 " + hex + " != expected " + manifest_.sha256);
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
    auto img = PartialImage::open(path_, manifest_.size, manifest_.chunk_size, manifest_.sha256);
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
