#pragma once
// An image file being filled chunk by chunk, in any order, with a durable
// record of which chunks are on disk. Used by the gateway's cache and by a
// device's inactive slot. Chunks go straight to disk (pwrite at their offset);
// memory use does not depend on the image size.
//
// Durability, two levels:
// - Power loss: checkpoint() fdatasyncs the data file, then atomically
//   rewrites the "<data>.have" bitmap, every checkpoint_every chunks (8 MiB by
//   default). That bitmap never claims a chunk that is not on disk; after a
//   power loss at most the chunks since the last checkpoint are fetched again.
// - Process crash (kill -9): after each chunk's pwrite, one byte is written
//   (no fsync) into "<data>.live", a bitmap stamped with the kernel boot id.
//   Within one boot the page cache survives the process, so a restarted
//   process trusts the live bitmap only when its boot id is the current one;
//   after a reboot (power loss) it is ignored and the checkpoint counts. A
//   killed process therefore re-fetches only the chunks it had not written.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/messages.hpp"
#include "common/sha256.hpp"

namespace fleetcast {

// Where the image's bytes go when they are not the image's own file.
struct PartialImageOptions {
    // The "<bitmap_base>.have" and ".live" bitmaps; empty: next to the data file.
    std::filesystem::path bitmap_base;
    // The data file is someone else's target (a device's inactive slot, a
    // block device): never removed or truncated shorter. A block device is
    // not resized, only checked to hold the image (no_space); a regular file
    // is sized to the image.
    bool external_data = false;
};

class PartialImage {
   public:
    ~PartialImage();
    PartialImage(const PartialImage&) = delete;
    PartialImage& operator=(const PartialImage&) = delete;

    // Opens or creates. An existing bitmap for the same size/chunk size and
    // identity (e.g. the image SHA-256) is resumed; anything else starts over.
    static Expected<std::unique_ptr<PartialImage>> open(const std::filesystem::path& data_path, std::uint64_t size,
                                                        std::uint32_t chunk_size, const std::string& identity,
                                                        const PartialImageOptions& options = {});

    // Writes one verified chunk. Idempotent. Checkpoints every
    // checkpoint_every chunks by itself.
    Status write_chunk(std::uint32_t index, std::string_view payload);
    Status checkpoint();
    // A complete image: checkpoints and closes the data file, so that a reader
    // may have it alone (RAUC takes a lease on a bundle, which fails while a
    // writable descriptor is open). The bitmap stays until finish().
    Status release();

    bool has(std::uint32_t index) const { return index < have_.size() && have_[index]; }
    std::uint32_t received() const { return received_; }
    std::uint32_t chunk_count() const { return static_cast<std::uint32_t>(have_.size()); }
    bool complete() const { return received_ == have_.size(); }
    std::uint64_t size() const { return size_; }
    std::uint32_t chunk_size() const { return chunk_size_; }
    // Missing chunks as ranges, at most max_chunks chunks in total.
    std::vector<ChunkRange> missing(std::uint32_t max_chunks = UINT32_MAX) const;
    // Checks the image's SHA-256 against expected_hex. When every chunk was
    // written by this object in index order (the fan-out case) the digest was
    // computed as the chunks were written, over the very bytes given to
    // pwrite(); otherwise (resumed, repaired out of order) the file is re-read.
    Status verify(const std::string& expected_hex) const;
    // The image's SHA-256 as verify() computes it (streamed, never the whole image in memory).
    Expected<Digest> digest() const;
    // The SHA-256 of the image's bytes as the data file holds them now (read back, always).
    Expected<Digest> read_back_digest() const;
    // Closes, and removes the bitmap: the data file stays as a finished image.
    Status finish();
    // Removes data and bitmap (external data: the bitmap only).
    Status discard();
    const std::filesystem::path& path() const { return path_; }

    // Chunks between fsync checkpoints; open() sets it to kCheckpointBytes / chunk_size.
    std::uint32_t checkpoint_every = 32;
    static constexpr std::uint64_t kCheckpointBytes = 8ULL << 20;

   private:
    PartialImage() = default;
    std::filesystem::path bitmap_path() const;
    std::filesystem::path live_path() const;
    void load_live();
    void start_live();
    void drop_live();
    std::unique_ptr<Sha256> in_order_;  // digest of chunks [0, in_order_next_) as written
    std::uint32_t in_order_next_ = 0;
    mutable std::optional<Digest> in_order_digest_;
    int live_fd_ = -1;
    std::uint64_t live_offset_ = 0;  // where the bitmap bytes start in the live file
    std::filesystem::path path_;
    int fd_ = -1;
    std::uint64_t size_ = 0;
    std::uint32_t chunk_size_ = 0;
    std::string identity_;
    std::vector<bool> have_;
    std::uint32_t received_ = 0;
    std::uint32_t since_checkpoint_ = 0;
    bool discarded_ = false;  // discard() ran: checkpoint() writes nothing
    PartialImageOptions options_;
};

// Reads chunk `index` of a finished image file once (pread); for many
// chunks of one file, ChunkFileReader keeps it open.
Expected<std::string> read_image_chunk(const std::filesystem::path& path, std::uint64_t size, std::uint32_t chunk_size,
                                       std::uint32_t index);
// Writes chunk `index` into a finished image file in place (pwrite +
// fdatasync): the gateway's repair of a cached chunk found corrupt.
Status write_image_chunk(const std::filesystem::path& path, std::uint32_t chunk_size, std::uint32_t index,
                         std::string_view payload);
// Expected payload length of chunk `index`.
std::uint32_t chunk_length(std::uint64_t size, std::uint32_t chunk_size, std::uint32_t index);
// Turns a sorted list of chunk indexes into ranges.
std::vector<ChunkRange> to_ranges(const std::vector<std::uint32_t>& sorted_indexes);

}  // namespace fleetcast
