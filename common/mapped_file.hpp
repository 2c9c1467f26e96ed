#pragma once
// A file mapped into memory: read-only (a delta's source, the active slot: its
// pages are clean page cache, not anonymous memory) or read-write of a fixed
// size (a rebuilt image written in place: its dirty pages belong to the file
// and go back to it, so the writer's anonymous memory does not grow with it).
#include <cstddef>
#include <filesystem>
#include <memory>

#include "common/error.hpp"

namespace fleetcast {

class MappedFile {
   public:
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    // An empty file maps to no bytes (data() is nullptr, size() 0).
    static Expected<std::unique_ptr<MappedFile>> open_read(const std::filesystem::path& path);
    // Creates (or truncates) `path` to `size` bytes and maps it for writing.
    static Expected<std::unique_ptr<MappedFile>> create(const std::filesystem::path& path, std::size_t size);

    const char* data() const { return static_cast<const char*>(addr_); }
    char* writable() { return static_cast<char*>(addr_); }
    std::size_t size() const { return size_; }
    // Writes the mapped bytes back and fsyncs the file (create() only).
    Status sync();

   private:
    MappedFile(int fd, void* addr, std::size_t size) : fd_(fd), addr_(addr), size_(size) {}
    int fd_ = -1;
    void* addr_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace fleetcast
