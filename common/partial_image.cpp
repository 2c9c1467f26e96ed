#include "common/partial_image.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "common/atomic_file.hpp"
#include "common/chunk_file_reader.hpp"
#include "common/sha256.hpp"

namespace fleetcast {

namespace {
Error io_error(const std::string& what, const std::filesystem::path& p) {
    return make_error("io", what + " " + p.string() + ": " + std::strerror(errno));
}
}  // namespace

std::uint32_t chunk_length(std::uint64_t size, std::uint32_t chunk_size, std::uint32_t index) {
    std::uint64_t start = static_cast<std::uint64_t>(index) * chunk_size;
    if (start >= size) return 0;
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(chunk_size, size - start));
}

std::vector<ChunkRange> to_ranges(const std::vector<std::uint32_t>& idx) {
    std::vector<ChunkRange> out;
    for (auto i : idx) {
        if (!out.empty() && out.back().last + 1 == i) out.back().last = i;
        else out.push_back({i, i});
    }
    return out;
}

// The kernel's id of this boot: a live bitmap written in another boot
// describes page-cache contents that may never have reached the disk.
static std::string current_boot_id() {
    auto id = read_file("/proc/sys/kernel/random/boot_id", 256);
    if (!id) return {};
    std::string s = *id;
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

PartialImage::~PartialImage() {
    if (fd_ >= 0) ::close(fd_);
    if (live_fd_ >= 0) ::close(live_fd_);
}

std::filesystem::path PartialImage::live_path() const {
    auto p = options_.bitmap_base.empty() ? path_ : options_.bitmap_base;
    p += ".live";
    return p;
}

static std::string live_header(const std::string& boot, const std::string& identity, std::uint64_t size,
                               std::uint32_t chunk_size) {
    std::ostringstream h;
    h << "FCLIVE1 " << boot << ' ' << identity << ' ' << size << ' ' << chunk_size << '\n';
    return h.str();
}

void PartialImage::load_live() {
    auto boot = current_boot_id();
    if (boot.empty()) return;
    auto live = read_file(live_path(), 64 * 1024 * 1024);
    if (!live) return;
    auto header = live_header(boot, identity_, size_, chunk_size_);
    if (live->compare(0, header.size(), header) != 0 || live->size() != header.size() + have_.size()) return;
    for (std::size_t i = 0; i < have_.size(); ++i) {
        if ((*live)[header.size() + i] == '1' && !have_[i]) {
            have_[i] = true;
            ++received_;
        }
    }
}

void PartialImage::start_live() {
    auto boot = current_boot_id();
    if (boot.empty()) return;  // no boot id: only checkpoints count
    auto content = live_header(boot, identity_, size_, chunk_size_);
    live_offset_ = content.size();
    for (bool b : have_) content += b ? '1' : '0';
    // Written in place (no rename, no fsync): it only has to survive the process.
    live_fd_ = ::open(live_path().c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (live_fd_ < 0) return;
    if (::pwrite(live_fd_, content.data(), content.size(), 0) != static_cast<ssize_t>(content.size())) {
        ::close(live_fd_);
        live_fd_ = -1;
    }
}

std::filesystem::path PartialImage::bitmap_path() const {
    auto p = options_.bitmap_base.empty() ? path_ : options_.bitmap_base;
    p += ".have";
    return p;
}

Expected<std::unique_ptr<PartialImage>> PartialImage::open(const std::filesystem::path& data_path, std::uint64_t size,
                                                           std::uint32_t chunk_size, const std::string& identity,
                                                           const PartialImageOptions& options) {
    if (size == 0 || chunk_size == 0) return make_error("bad_value", "image size and chunk size must be positive");
    std::unique_ptr<PartialImage> img(new PartialImage());
    img->options_ = options;
    img->path_ = data_path;
    img->size_ = size;
    img->chunk_size_ = chunk_size;
    img->identity_ = identity;
    img->have_.assign(chunk_count_for(size, chunk_size), false);

    bool resumed = false;
    auto bitmap = read_file(img->bitmap_path(), 16 * 1024 * 1024);
    // exists() without an error_code throws on an unreadable directory: that is "no data" here.
    std::error_code ec;
    const bool have_data = std::filesystem::exists(data_path, ec);
    if (bitmap) {
        std::istringstream in(*bitmap);
        std::string id, bits;
        std::uint64_t s = 0;
        std::uint32_t cs = 0;
        in >> id >> s >> cs >> bits;
        if (id == identity && s == size && cs == chunk_size && bits.size() == img->have_.size() && have_data) {
            for (std::size_t i = 0; i < bits.size(); ++i) {
                img->have_[i] = bits[i] == '1';
                if (img->have_[i]) ++img->received_;
            }
            resumed = true;
        }
    }
    if (resumed || have_data) {
        img->load_live();
        resumed = resumed || img->received_ > 0;
    }
    img->checkpoint_every = static_cast<std::uint32_t>(std::max<std::uint64_t>(1, kCheckpointBytes / chunk_size));
    int flags = O_RDWR | O_CREAT | O_CLOEXEC | (resumed || options.external_data ? 0 : O_TRUNC);
    img->fd_ = ::open(data_path.c_str(), flags, 0644);
    if (img->fd_ < 0) return io_error("open", data_path);
    struct stat st {};
    if (::fstat(img->fd_, &st) != 0) return io_error("fstat", data_path);
    if (S_ISBLK(st.st_mode)) {
        // A block device keeps its size: it must hold the image.
        auto end = ::lseek(img->fd_, 0, SEEK_END);
        if (end < 0) return io_error("lseek", data_path);
        if (static_cast<std::uint64_t>(end) < size)
            return make_error("no_space", data_path.string() + " holds " + std::to_string(end) +
                                              " bytes, the image has " + std::to_string(size));
    } else if (::ftruncate(img->fd_, static_cast<off_t>(size)) != 0) {
        return io_error("ftruncate", data_path);
    }
    // A new image needs no checkpoint yet: after a power loss a missing bitmap
    // and an empty one both mean "start over".
    if (img->received_ == 0) img->in_order_ = std::make_unique<Sha256>();
    img->start_live();
    return img;
}

Status PartialImage::write_chunk(std::uint32_t index, std::string_view payload) {
    if (index >= have_.size()) return make_error("bad_chunk", "chunk index " + std::to_string(index) + " out of range");
    if (payload.size() != chunk_length(size_, chunk_size_, index))
        return make_error("bad_chunk", "chunk " + std::to_string(index) + " has " + std::to_string(payload.size()) +
                                           " bytes, expected " +
                                           std::to_string(chunk_length(size_, chunk_size_, index)));
    if (have_[index]) return ok_status();
    off_t off = static_cast<off_t>(static_cast<std::uint64_t>(index) * chunk_size_);
    std::size_t done = 0;
    while (done < payload.size()) {
        ssize_t n = ::pwrite(fd_, payload.data() + done, payload.size() - done, off + static_cast<off_t>(done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(errno == ENOSPC ? "no_space" : "write_failure",
                              "pwrite " + path_.string() + ": " + std::strerror(errno));
        }
        done += static_cast<std::size_t>(n);
    }
    have_[index] = true;
    ++received_;
    if (in_order_ && index == in_order_next_) {
        in_order_->update(payload);
        if (++in_order_next_ == have_.size()) in_order_digest_ = in_order_->finish();
    } else {
        in_order_.reset();  // out of order: verify() re-reads the file
    }
    if (live_fd_ >= 0) {
        // After the data: a process killed between the two re-fetches this chunk, nothing worse.
        const char one = '1';
        if (::pwrite(live_fd_, &one, 1, static_cast<off_t>(live_offset_ + index)) != 1) {
            ::close(live_fd_);
            live_fd_ = -1;
            std::error_code ec;
            std::filesystem::remove(live_path(), ec);
        }
    }
    // No checkpoint when complete: verify() and finish() (fsync) follow at once.
    if (++since_checkpoint_ >= checkpoint_every && !complete()) return checkpoint();
    return ok_status();
}

Status PartialImage::checkpoint() {
    if (discarded_) return ok_status();  // nothing left to describe: never write the bitmap back
    if (fd_ >= 0 && ::fdatasync(fd_) != 0) return io_error("fdatasync", path_);
    std::string bits;
    bits.reserve(have_.size());
    for (bool b : have_) bits += b ? '1' : '0';
    std::ostringstream out;
    out << identity_ << ' ' << size_ << ' ' << chunk_size_ << ' ' << (bits.empty() ? "-" : bits) << '\n';
    since_checkpoint_ = 0;
    return write_file_atomic(bitmap_path(), out.str());
}

Status PartialImage::release() {
    if (!complete()) return make_error("bad_value", "image " + path_.string() + " is not complete");
    auto st = checkpoint();
    if (!st) return st;
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    return ok_status();
}

std::vector<ChunkRange> PartialImage::missing(std::uint32_t max_chunks) const {
    std::vector<std::uint32_t> idx;
    for (std::uint32_t i = 0; i < have_.size() && idx.size() < max_chunks; ++i)
        if (!have_[i]) idx.push_back(i);
    return to_ranges(idx);
}

Expected<Digest> PartialImage::digest() const {
    return in_order_digest_ ? Expected<Digest>(*in_order_digest_) : read_back_digest();
}

Expected<Digest> PartialImage::read_back_digest() const {
    // The image's bytes only: a block device may be larger than the image.
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return io_error("open", path_);
    Sha256 h;
    std::string buf(1 << 20, '\0');
    std::uint64_t off = 0;
    while (off < size_) {
        auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), size_ - off));
        ssize_t n = ::pread(fd, buf.data(), want, static_cast<off_t>(off));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            auto e = n < 0 ? io_error("read", path_) : make_error("io", path_.string() + " is shorter than the image");
            ::close(fd);
            return e;
        }
        h.update(std::string_view(buf.data(), static_cast<std::size_t>(n)));
        off += static_cast<std::uint64_t>(n);
    }
    ::close(fd);
    return h.finish();
}

Status PartialImage::verify(const std::string& expected_hex) const {
    auto d = digest();
    if (!d) return d.error();
    if (to_hex(*d) != expected_hex)
        return make_error("checksum",
                          "image " + path_.string() + " SHA-256 " + to_hex(*d) + " != expected " + expected_hex);
    return ok_status();
}

void PartialImage::drop_live() {
    if (live_fd_ >= 0) {
        ::close(live_fd_);
        live_fd_ = -1;
    }
    std::error_code ec;
    std::filesystem::remove(live_path(), ec);
}

Status PartialImage::finish() {
    drop_live();
    if (fd_ >= 0) {
        if (::fsync(fd_) != 0) return io_error("fsync", path_);
        ::close(fd_);
        fd_ = -1;
    }
    std::error_code ec;
    std::filesystem::remove(bitmap_path(), ec);
    if (options_.external_data) return ok_status();  // its owner's directory (or /dev)
    return fsync_dir(path_.parent_path());
}

Status PartialImage::discard() {
    discarded_ = true;
    drop_live();
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    std::error_code ec;
    std::filesystem::remove(bitmap_path(), ec);
    if (!options_.external_data) std::filesystem::remove(path_, ec);
    return ok_status();
}

Expected<std::string> read_image_chunk(const std::filesystem::path& path, std::uint64_t size, std::uint32_t chunk_size,
                                       std::uint32_t index) {
    ChunkFileReader reader(1);
    return reader.read(path, size, chunk_size, index);
}

Status write_image_chunk(const std::filesystem::path& path, std::uint32_t chunk_size, std::uint32_t index,
                         std::string_view payload) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return io_error("open", path);
    std::size_t done = 0;
    off_t off = static_cast<off_t>(static_cast<std::uint64_t>(index) * chunk_size);
    while (done < payload.size()) {
        ssize_t n = ::pwrite(fd, payload.data() + done, payload.size() - done, off + static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            auto e = io_error("pwrite", path);
            ::close(fd);
            return e;
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fdatasync(fd) != 0) {
        auto e = io_error("fdatasync", path);
        ::close(fd);
        return e;
    }
    ::close(fd);
    return ok_status();
}

}  // namespace fleetcast
