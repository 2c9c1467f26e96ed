#include "common/chunk_file_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/partial_image.hpp"

namespace fleetcast {

namespace {
Error io_error(const std::string& what, const std::filesystem::path& p, int err) {
    return make_error("io", what + " " + p.string() + ": " + (err ? std::strerror(err) : "end of file"));
}
}  // namespace

ChunkFileReader::ChunkFileReader(std::size_t max_open) : max_open_(std::max<std::size_t>(1, max_open)) {}

ChunkFileReader::~ChunkFileReader() {
    for (auto& f : files_) ::close(f.fd);
}

void ChunkFileReader::close_file(std::size_t i) {
    ::close(files_[i].fd);
    files_.erase(files_.begin() + static_cast<std::ptrdiff_t>(i));
}

Expected<ChunkFileReader::OpenFile*> ChunkFileReader::file_for(const std::filesystem::path& path) {
    struct stat now {};
    const bool exists = ::stat(path.c_str(), &now) == 0;
    const int stat_errno = errno;
    for (std::size_t i = 0; i < files_.size(); ++i) {
        if (files_[i].path != path) continue;
        if (exists && files_[i].dev == now.st_dev && files_[i].ino == now.st_ino) {
            files_[i].last_use = ++uses_;
            return &files_[i];
        }
        close_file(i);  // replaced or removed since it was opened
        break;
    }
    if (!exists) return io_error("stat", path, stat_errno);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return io_error("open", path, errno);
    struct stat opened {};
    if (::fstat(fd, &opened) != 0) {
        auto e = io_error("fstat", path, errno);
        ::close(fd);
        return e;
    }
    if (files_.size() >= max_open_) {
        auto oldest = std::min_element(files_.begin(), files_.end(),
                                       [](const auto& a, const auto& b) { return a.last_use < b.last_use; });
        close_file(static_cast<std::size_t>(oldest - files_.begin()));
    }
    files_.push_back(OpenFile{path, fd, opened.st_dev, opened.st_ino, ++uses_});
    return &files_.back();
}

Expected<std::string> ChunkFileReader::read(const std::filesystem::path& path, std::uint64_t size,
                                            std::uint32_t chunk_size, std::uint32_t index) {
    auto len = chunk_length(size, chunk_size, index);
    if (len == 0) return make_error("bad_chunk", "chunk " + std::to_string(index) + " is past the end of the image");
    auto file = file_for(path);
    if (!file) return file.error();
    std::string buf(len, '\0');
    std::size_t done = 0;
    const auto off = static_cast<off_t>(static_cast<std::uint64_t>(index) * chunk_size);
    while (done < len) {
        ssize_t n = ::pread((*file)->fd, buf.data() + done, len - done, off + static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return io_error("pread", path, n < 0 ? errno : 0);
        done += static_cast<std::size_t>(n);
    }
    return buf;
}

}  // namespace fleetcast
