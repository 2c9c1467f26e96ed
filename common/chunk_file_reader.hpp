#pragma once
// Reads chunks of finished image files (the manager's repository, the
// gateway's cache) for sending, keeping the last few files open: a fan-out
// of a 1 GiB image reads 16,384 chunks of one file, and opening it for each
// one costs an open and a close per chunk. A file replaced or removed under
// the reader (its path no longer names the open inode: a re-fetched or
// dropped image) is opened again or reported missing, so callers never have
// to tell the reader when a file changed. Repairs written in place (the same
// inode) are read at once.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace fleetcast {

class ChunkFileReader {
   public:
    explicit ChunkFileReader(std::size_t max_open = 8);
    ~ChunkFileReader();
    ChunkFileReader(const ChunkFileReader&) = delete;
    ChunkFileReader& operator=(const ChunkFileReader&) = delete;

    // Chunk `index` of the image at `path` (`size` bytes in chunks of
    // `chunk_size`). Errors: bad_chunk (index past the end), io (missing,
    // unreadable or shorter than `size`).
    Expected<std::string> read(const std::filesystem::path& path, std::uint64_t size, std::uint32_t chunk_size,
                               std::uint32_t index);
    std::size_t open_files() const { return files_.size(); }

   private:
    struct OpenFile {
        std::filesystem::path path;
        int fd = -1;
        dev_t dev = 0;
        ino_t ino = 0;
        std::uint64_t last_use = 0;
    };
    Expected<OpenFile*> file_for(const std::filesystem::path& path);
    void close_file(std::size_t i);

    std::size_t max_open_;
    std::vector<OpenFile> files_;
    std::uint64_t uses_ = 0;
};

}  // namespace fleetcast
