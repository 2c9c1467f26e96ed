#include "manager/firmware_uploads.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/atomic_file.hpp"
#include "common/sha256.hpp"

namespace fleetcast::manager {

namespace {

Error io_error(const std::string& what, const std::filesystem::path& p) {
    return make_error("io", what + " " + p.string() + ": " + std::strerror(errno));
}

bool same_image(const FirmwareUploadBeginArgs& a, const FirmwareUploadBeginArgs& b) {
    return a.size == b.size && a.sha256 == b.sha256 && a.image.model == b.image.model &&
           a.image.component == b.image.component && a.image.version == b.image.version &&
           a.image.chunk_size == b.image.chunk_size && a.image.allow_downgrade == b.image.allow_downgrade;
}

}  // namespace

Expected<FirmwareUploadBeginArgs> FirmwareUploads::load(const std::string& upload) const {
    auto text = read_file(meta_path(upload), 64 * 1024);
    if (!text) return make_error("not_found", "unknown upload " + upload + " (firmware_upload_begin first)");
    auto j = Json::parse(*text);
    if (!j) return j.error().with_context("upload " + upload);
    return firmware_upload_begin_args_from_json(j->get());
}

Expected<std::uint64_t> FirmwareUploads::held(const std::string& upload) const {
    std::error_code ec;
    auto n = std::filesystem::file_size(part_path(upload), ec);
    if (ec) return make_error("io", "upload " + upload + ": " + ec.message());
    return static_cast<std::uint64_t>(n);
}

Expected<FirmwareUploadProgress> FirmwareUploads::begin(const FirmwareUploadBeginArgs& a) {
    if (a.size > max_size_)
        return make_error("too_large", "image of " + std::to_string(a.size) +
                                           " bytes is above the manager's limit of " + std::to_string(max_size_) +
                                           " (--max-upload-size)");
    if (a.upload != upload_id(a.sha256, a.image))
        return make_error("bad_args", "upload id " + a.upload + " does not belong to this image and metadata");
    if (auto st = ensure_dir(dir_); !st) return st.error();
    if (auto stored = load(a.upload)) {
        if (!same_image(*stored, a)) return make_error("bad_args", "upload " + a.upload + " holds another image");
        auto n = held(a.upload);
        if (!n) return n.error();
        // Resumed: its idle time (expire) starts again.
        std::error_code ec;
        std::filesystem::last_write_time(meta_path(a.upload), std::filesystem::file_time_type::clock::now(), ec);
        return FirmwareUploadProgress{a.upload, std::min(*n, a.size), a.size};
    }
    // The part first, then the metadata that makes the upload exist: a crash between leaves no upload.
    const int fd = ::open(part_path(a.upload).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) return io_error("create", part_path(a.upload));
    ::close(fd);
    if (auto st = write_file_atomic(meta_path(a.upload), json_object(a).dump()); !st) return st.error();
    return FirmwareUploadProgress{a.upload, 0, a.size};
}

Expected<FirmwareUploadProgress> FirmwareUploads::append(const FirmwareUploadPieceArgs& p) {
    auto meta = load(p.upload);
    if (!meta) return meta.error();
    auto n = held(p.upload);
    if (!n) return n.error();
    if (p.offset + p.data.size() > meta->size)
        return make_error("bad_args", "piece at " + std::to_string(p.offset) + " of " + std::to_string(p.data.size()) +
                                          " bytes goes past the image's " + std::to_string(meta->size));
    if (p.offset + p.data.size() <= *n) return FirmwareUploadProgress{p.upload, *n, meta->size};  // redelivered
    if (p.offset != *n)
        return make_error("bad_offset", "upload " + p.upload + " holds " + std::to_string(*n) + " bytes; a piece at " +
                                            std::to_string(p.offset) + " does not follow");
    const auto path = part_path(p.upload);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return io_error("open", path);
    std::size_t done = 0;
    while (done < p.data.size()) {
        ssize_t w = ::pwrite(fd, p.data.data() + done, p.data.size() - done, static_cast<off_t>(p.offset + done));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
            auto e = io_error("write", path);
            ::close(fd);
            return e;
        }
        done += static_cast<std::size_t>(w);
    }
    // Acknowledged only once stored: a resumed upload never skips a byte.
    if (::fdatasync(fd) != 0) {
        auto e = io_error("fdatasync", path);
        ::close(fd);
        return e;
    }
    ::close(fd);
    return FirmwareUploadProgress{p.upload, p.offset + p.data.size(), meta->size};
}

Expected<FirmwareUploads::Complete> FirmwareUploads::complete(const std::string& upload) {
    auto meta = load(upload);
    if (!meta) return meta.error();
    auto n = held(upload);
    if (!n) return n.error();
    if (*n != meta->size)
        return make_error("incomplete", "upload " + upload + " holds " + std::to_string(*n) + " of " +
                                            std::to_string(meta->size) + " bytes");
    auto digest = sha256_file(part_path(upload));
    if (!digest) return digest.error();
    if (to_hex(*digest) != meta->sha256) {
        remove(upload);
        return make_error("tampered", "upload " + upload + ": the image's SHA-256 is " + to_hex(*digest) + ", not " +
                                          meta->sha256 + "; upload deleted");
    }
    return Complete{part_path(upload), *meta};
}

void FirmwareUploads::remove(const std::string& upload) {
    std::error_code ec;
    std::filesystem::remove(meta_path(upload), ec);
    std::filesystem::remove(part_path(upload), ec);
    (void)fsync_dir(dir_);
}

std::vector<FirmwareUploads::Expired> FirmwareUploads::expire(std::filesystem::file_time_type now, Millis idle) {
    std::vector<Expired> gone;
    std::error_code ec;
    std::filesystem::directory_iterator it(dir_, ec);
    if (ec) return gone;  // no upload was ever begun
    std::vector<std::string> names;
    for (const auto& entry : it) {
        auto stem = entry.path().stem().string();
        if (entry.path().extension() == ".meta" || entry.path().extension() == ".part") names.push_back(stem);
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    for (const auto& upload : names) {
        // The later of its two files' times: a piece writes the part, a begin touches the metadata.
        std::filesystem::file_time_type last = std::filesystem::file_time_type::min();
        for (const auto& p : {meta_path(upload), part_path(upload)}) {
            auto t = std::filesystem::last_write_time(p, ec);
            if (!ec) last = std::max(last, t);
        }
        const auto age = std::chrono::duration_cast<Millis>(now - last);
        if (last != std::filesystem::file_time_type::min() && age < idle) continue;
        auto n = held(upload);
        gone.push_back(Expired{upload, n ? *n : 0, age});
        remove(upload);
    }
    return gone;
}

}  // namespace fleetcast::manager
