#include "common/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fleetcast {

namespace {
Error io_error(const std::string& what, const std::filesystem::path& path) {
    return make_error(errno == ENOSPC ? "no_space" : "io", what + " " + path.string() + ": " + std::strerror(errno));
}
}  // namespace

MappedFile::~MappedFile() {
    if (addr_ && size_) ::munmap(addr_, size_);
    if (fd_ >= 0) ::close(fd_);
}

Expected<std::unique_ptr<MappedFile>> MappedFile::open_read(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return io_error("cannot open", path);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        auto e = io_error("cannot stat", path);
        ::close(fd);
        return e;
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    void* addr = nullptr;
    if (size > 0) {
        addr = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
        if (addr == MAP_FAILED) {
            auto e = io_error("cannot map", path);
            ::close(fd);
            return e;
        }
        ::madvise(addr, size, MADV_SEQUENTIAL);
    }
    return std::unique_ptr<MappedFile>(new MappedFile(fd, addr, size));
}

Expected<std::unique_ptr<MappedFile>> MappedFile::create(const std::filesystem::path& path, std::size_t size) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return io_error("cannot create", path);
    // Reserved up front: a full disk is an error here, not a SIGBUS on a page later.
    if (size > 0) {
        int rc = ::posix_fallocate(fd, 0, static_cast<off_t>(size));
        if (rc != 0) {
            errno = rc;
            auto e = io_error("cannot allocate", path);
            ::close(fd);
            return e;
        }
    }
    void* addr = nullptr;
    if (size > 0) {
        addr = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (addr == MAP_FAILED) {
            auto e = io_error("cannot map", path);
            ::close(fd);
            return e;
        }
    }
    return std::unique_ptr<MappedFile>(new MappedFile(fd, addr, size));
}

Status MappedFile::sync() {
    if (addr_ && size_ && ::msync(addr_, size_, MS_SYNC) != 0) return make_error("io", std::strerror(errno));
    if (fd_ >= 0 && ::fsync(fd_) != 0) return make_error("io", std::strerror(errno));
    return ok_status();
}

}  // namespace fleetcast
