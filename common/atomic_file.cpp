#include "common/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace fleetcast {

namespace {
Error io_error(const std::string& what, const std::filesystem::path& p) {
    return make_error("io", what + " " + p.string() + ": " + std::strerror(errno));
}
}  // namespace

Status fsync_dir(const std::filesystem::path& dir) {
    int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd < 0) return io_error("open dir", dir);
    int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) return io_error("fsync dir", dir);
    return ok_status();
}

Status ensure_dir(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return make_error("io", "create directory " + dir.string() + ": " + ec.message());
    return ok_status();
}

Status write_file_atomic(const std::filesystem::path& path, std::string_view content) {
    auto tmp = path;
    tmp += ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return io_error("open", tmp);
    std::size_t done = 0;
    while (done < content.size()) {
        ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            auto e = io_error("write", tmp);
            ::close(fd);
            return e;
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        auto e = io_error("fsync", tmp);
        ::close(fd);
        return e;
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) return io_error("rename", tmp);
    return fsync_dir(path.parent_path());
}

Expected<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error("not_found", "cannot open " + path.string());
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > max_bytes) return make_error("too_large", path.string() + " is larger than allowed");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace fleetcast
