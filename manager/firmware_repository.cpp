#include "manager/firmware_repository.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "common/atomic_file.hpp"
#include "common/ids.hpp"
#include "common/sha256.hpp"

namespace fleetcast::manager {

namespace {

constexpr std::size_t kCopyBuffer = 1024 * 1024;

Error io_error(const std::string& what, const std::filesystem::path& p) {
    return make_error("io", what + " " + p.string() + ": " + std::strerror(errno));
}

// Closes a file descriptor on every path out of a function.
struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

Status write_all(int fd, const char* data, std::size_t len, const std::filesystem::path& p) {
    std::size_t done = 0;
    while (done < len) {
        ssize_t n = ::write(fd, data + done, len - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return io_error("write", p);
        }
        done += static_cast<std::size_t>(n);
    }
    return ok_status();
}

bool same_metadata(const FirmwareManifest& a, const FirmwareManifest& b) {
    return a.sha256 == b.sha256 && a.model == b.model && a.component == b.component && a.version == b.version &&
           a.chunk_size == b.chunk_size && a.allow_downgrade == b.allow_downgrade;
}

std::string describe(const FirmwareManifest& m) {
    return m.model + "/" + m.component + " version " + m.version + " (chunk_size " + std::to_string(m.chunk_size) +
           (m.allow_downgrade ? ", downgrade allowed)" : ")");
}

}  // namespace

Status validate(const FirmwareAddRequest& req) {
    if (req.path.empty() || !req.path.is_absolute())
        return make_error("bad_args", "firmware path must be absolute, got '" + req.path.string() + "'");
    for (auto [id, what] : {std::pair{&req.model, "model"}, std::pair{&req.component, "component"}}) {
        auto st = validate_id(*id, what);
        if (!st) return st;
    }
    auto st = validate_version(req.version);
    if (!st) return st;
    if (req.chunk_size < 1024 || req.chunk_size > kMaxChunkSize)
        return make_error("bad_args", "chunk_size must be 1024.." + std::to_string(kMaxChunkSize));
    return ok_status();
}

FirmwareRepository::FirmwareRepository(ManagerStore& store, Clock& clock, std::filesystem::path images_dir,
                                       const ManifestSigner& signer)
    : store_(store), clock_(clock), images_dir_(std::move(images_dir)), signer_(signer) {}

Expected<FirmwareRepository::CopiedImage> FirmwareRepository::copy_and_hash(const std::filesystem::path& source) {
    // Problems with the operator's file are bad arguments; problems with our
    // own directory are I/O errors.
    auto bad_source = [&](const std::string& what) {
        return make_error("bad_args", "cannot " + what + " " + source.string() + ": " + std::strerror(errno));
    };
    Fd in{::open(source.c_str(), O_RDONLY | O_CLOEXEC)};
    if (in.fd < 0) return bad_source("open");
    struct stat info {};
    if (::fstat(in.fd, &info) != 0) return bad_source("stat");
    if (!S_ISREG(info.st_mode)) return make_error("bad_args", source.string() + " is not a regular file");

    std::random_device rd;
    auto tmp = images_dir_ / (".incoming-" + std::to_string(rd()) + "-" + std::to_string(::getpid()));
    Fd out{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)};
    if (out.fd < 0) return io_error("create", tmp);
    auto fail = [&](Error e) -> Expected<CopiedImage> {
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
        return e;
    };

    Sha256 hash;
    std::string buf(kCopyBuffer, '\0');
    std::uint64_t size = 0;
    while (true) {
        ssize_t n = ::read(in.fd, buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail(bad_source("read"));
        }
        if (n == 0) break;
        size += static_cast<std::uint64_t>(n);
        if (size > kMaxImageSize) return fail(make_error("bad_args", source.string() + " is larger than 4 GiB"));
        hash.update(std::string_view(buf.data(), static_cast<std::size_t>(n)));
        auto st = write_all(out.fd, buf.data(), static_cast<std::size_t>(n), tmp);
        if (!st) return fail(st.error());
    }
    if (size == 0) return fail(make_error("bad_args", source.string() + " is empty"));
    if (::fsync(out.fd) != 0) return fail(io_error("fsync", tmp));
    return CopiedImage{to_hex(hash.finish()), size, tmp};
}

Expected<FirmwareManifest> FirmwareRepository::chunk_and_sign(FirmwareManifest m, const std::filesystem::path& file) {
    auto chunks = chunk_digests_of_file(file, m.chunk_size);
    if (!chunks) return chunks.error();
    m.chunk_sha256 = std::move(*chunks);
    return signer_.sign(std::move(m), clock_.now());
}

Status FirmwareRepository::commit(const CopiedImage& image) {
    auto final_path = images_dir_ / image.sha256;
    std::error_code ec;
    if (std::filesystem::exists(final_path, ec)) {
        // Content-addressed: the file already holds these bytes.
        std::filesystem::remove(image.temp, ec);
        return ok_status();
    }
    if (::rename(image.temp.c_str(), final_path.c_str()) != 0) {
        auto e = io_error("rename", image.temp);
        std::filesystem::remove(image.temp, ec);
        return e;
    }
    return fsync_dir(images_dir_);
}

Expected<std::optional<FirmwareManifest>> FirmwareRepository::check_duplicate(const FirmwareManifest& m) {
    auto existing = store_.find_firmware(m.fw_id);
    if (!existing) return existing.error();
    if (*existing) {
        if (same_metadata((*existing)->manifest, m)) return std::optional<FirmwareManifest>{(*existing)->manifest};
        return make_error("duplicate", "image " + m.fw_id + " is already registered as " +
                                           describe((*existing)->manifest) + "; refusing " + describe(m));
    }
    // One version of one model/component names exactly one image.
    auto all = store_.list_firmware();
    if (!all) return all.error();
    for (const auto& r : *all) {
        const auto& o = r.manifest;
        if (o.encoding) continue;  // a delta carries its target's version (issue 17)
        if (o.model == m.model && o.component == m.component && o.version == m.version)
            return make_error("duplicate", m.model + "/" + m.component + " version " + m.version +
                                               " is already registered as firmware " + o.fw_id);
    }
    return std::optional<FirmwareManifest>{};
}

Expected<FirmwareManifest> FirmwareRepository::add(const FirmwareAddRequest& req) {
    auto st = validate(req);
    if (!st) return st.error();
    st = ensure_dir(images_dir_);
    if (!st) return st.error();
    auto image = copy_and_hash(req.path);
    if (!image) return image.error();

    FirmwareManifest m;
    m.fw_id = image->sha256.substr(0, 16);
    m.model = req.model;
    m.component = req.component;
    m.version = req.version;
    m.size = image->size;
    m.sha256 = image->sha256;
    m.chunk_size = req.chunk_size;
    m.chunk_count = chunk_count_for(m.size, m.chunk_size);
    m.allow_downgrade = req.allow_downgrade;
    auto drop_temp = [&] {
        std::error_code ec;
        std::filesystem::remove(image->temp, ec);
    };
    if (m.chunk_count > kMaxManifestChunks) {
        drop_temp();
        return make_error("bad_args", "image has " + std::to_string(m.chunk_count) +
                                          " chunks, a signed manifest lists at most " +
                                          std::to_string(kMaxManifestChunks) + ": use a larger chunk_size");
    }

    auto existing = check_duplicate(m);
    if (!existing || *existing) {
        drop_temp();
        if (!existing) return existing.error();
        return **existing;
    }
    // The signed chunk list lets gateways and devices check each chunk as it arrives.
    auto signed_m = chunk_and_sign(std::move(m), image->temp);
    if (!signed_m) {
        drop_temp();
        return signed_m.error();
    }
    m = std::move(*signed_m);
    // The image is in place before the database names it.
    st = commit(*image);
    if (!st) return st.error();
    st = store_.insert_firmware(FirmwareRecord{m, clock_.now()});
    if (!st) return st.error();
    return m;
}

Expected<std::optional<FirmwareManifest>> FirmwareRepository::find(const std::string& fw_id) {
    auto r = store_.find_firmware(fw_id);
    if (!r) return r.error();
    if (!*r) return std::optional<FirmwareManifest>{};
    return std::optional<FirmwareManifest>{(*r)->manifest};
}

}  // namespace fleetcast::manager
