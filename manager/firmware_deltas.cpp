// Issue 17: deltas between two images of the repository, and compressed
// images, made once per (source, target) pair with zstd's prefix
// (common/zstd_artifact.hpp) and stored like images: content-addressed file,
// signed manifest in the firmware table (its `encoding` names source and
// target). The follow-up: the encoding runs on a worker (run_encode_job,
// files only); what it made or gave up is recorded here, on the loop.
#include <unistd.h>

#include <chrono>
#include <random>

#include "common/atomic_file.hpp"
#include "common/log.hpp"
#include "common/manifest_signing.hpp"
#include "common/zstd_artifact.hpp"
#include "manager/firmware_repository.hpp"

namespace fleetcast::manager {

namespace {
constexpr const char* kTempPrefix = ".delta-";

EncodeOutcome failed(EncodeOutcome o, const Error& e, const std::filesystem::path& tmp) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    o.result = EncodeOutcome::Result::Failed;
    o.error = e.str();
    return o;
}
}  // namespace

EncodeOutcome run_encode_job(const EncodeJob& job) {
    EncodeOutcome o;
    o.job = job;
    std::random_device rd;
    const auto tmp = job.images_dir / (kTempPrefix + std::to_string(rd()) + "-" + std::to_string(::getpid()));
    const auto started = std::chrono::steady_clock::now();
    auto elapsed = [&] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
            .count();
    };
    auto size = zstd_encode_file(job.source_path, job.target_path, tmp, job.level);
    o.ms = elapsed();
    if (!size) return failed(std::move(o), size.error(), tmp);
    o.size = *size;
    if (static_cast<double>(*size) > job.max_ratio * static_cast<double>(job.target.size)) {
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
        o.result = EncodeOutcome::Result::TooBig;
        return o;
    }
    auto digest = sha256_file(tmp);
    if (!digest) return failed(std::move(o), digest.error(), tmp);
    o.sha256 = to_hex(*digest);
    auto chunks = chunk_digests_of_file(tmp, job.target.chunk_size);
    if (!chunks) return failed(std::move(o), chunks.error(), tmp);
    o.chunk_sha256 = std::move(*chunks);
    // Content-addressed: a file already under that name holds these bytes.
    const auto final_path = job.images_dir / o.sha256;
    std::error_code ec;
    if (std::filesystem::exists(final_path, ec)) {
        std::filesystem::remove(tmp, ec);
    } else if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
        return failed(std::move(o), make_error("io", "rename " + tmp.string() + " to " + final_path.string()), tmp);
    } else if (auto st = fsync_dir(job.images_dir); !st) {
        return failed(std::move(o), st.error(), tmp);
    }
    o.ms = elapsed();
    o.result = EncodeOutcome::Result::Made;
    return o;
}

EncodeJob FirmwareRepository::delta_job(const FirmwareManifest& source, const FirmwareManifest& target) const {
    return EncodeJob{source, target, image_path(source), image_path(target), images_dir_, delta_level, max_delta_ratio};
}

EncodeJob FirmwareRepository::compress_job(const FirmwareManifest& image) const {
    return EncodeJob{std::nullopt, image, {}, image_path(image), images_dir_, compress_level, max_compressed_ratio};
}

Expected<FirmwareRepository::Encodings> FirmwareRepository::encodings() {
    Encodings out;
    auto all = store_.list_firmware();
    if (!all) return all.error();
    for (const auto& r : *all)
        if (const auto& e = r.manifest.encoding)
            out.made.emplace(EncodingKey{e->source_sha256, e->target_sha256}, r.manifest);
    auto given_up = store_.given_up_encodings();
    if (!given_up) return given_up.error();
    for (const auto& g : *given_up) out.given_up.insert({g.source_sha256, g.target_sha256});
    return out;
}

Expected<std::optional<FirmwareManifest>> FirmwareRepository::record(const EncodeOutcome& o) {
    const auto& job = o.job;
    const std::string what = job.what();
    const std::string source_fw = job.source ? job.source->fw_id : std::string("-");
    if (o.result != EncodeOutcome::Result::Made) {
        const bool too_big = o.result == EncodeOutcome::Result::TooBig;
        GivenUpEncoding g{
            job.key().first,
            job.key().second,
            job.source ? job.source->fw_id : std::string(),
            job.source ? job.source->version : std::string(),
            job.target.fw_id,
            too_big ? "larger than " + std::to_string(static_cast<int>(job.max_ratio * 100)) + " % of the image"
                    : "failed: " + o.error,
            o.size,
            job.target.size,
            clock_.now()};
        // Stored: a restarted manager does not try this pair again.
        auto st = store_.insert_given_up(g);
        if (!st) return st.error();
        LogLine(too_big ? LogLevel::Info : LogLevel::Warn, "manager", what + (too_big ? "_skipped" : "_failed"))
            .kv("source", source_fw)
            .kv("target", job.target.fw_id)
            .kv("delta_bytes", o.size)
            .kv("image_bytes", job.target.size)
            .kv("ms", o.ms)
            .kv("why", g.reason);
        return std::optional<FirmwareManifest>{};
    }
    FirmwareManifest m;
    m.sha256 = o.sha256;
    m.fw_id = m.sha256.substr(0, 16);
    if (auto existing = store_.find_firmware(m.fw_id); !existing) {
        return existing.error();
    } else if (*existing) {
        return std::optional<FirmwareManifest>{(*existing)->manifest};
    }
    const auto& target = job.target;
    m.model = target.model;
    m.component = target.component;
    m.version = target.version;
    m.size = o.size;
    m.chunk_size = target.chunk_size;
    m.chunk_count = chunk_count_for(m.size, m.chunk_size);
    m.chunk_sha256 = o.chunk_sha256;
    m.allow_downgrade = target.allow_downgrade;
    m.encoding = ArtifactEncoding{"zstd", job.key().first, job.source ? job.source->version : std::string(),
                                  target.sha256, target.size};
    auto signed_m = signer_.sign(std::move(m), clock_.now());
    if (!signed_m) return signed_m.error();
    // The file was renamed into place by the worker before the database names it.
    auto st = store_.insert_firmware(FirmwareRecord{*signed_m, clock_.now()});
    if (!st) return st.error();
    log_info("manager", what + "_made")
        .kv("fw", signed_m->fw_id)
        .kv("source", source_fw)
        .kv("source_version", job.source ? job.source->version : std::string("-"))
        .kv("target", target.fw_id)
        .kv("version", target.version)
        .kv("delta_bytes", signed_m->size)
        .kv("image_bytes", target.size)
        .kv("ms", o.ms);
    return std::optional<FirmwareManifest>{*signed_m};
}

void FirmwareRepository::remove_stale_temps() {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(images_dir_, ec)) {
        const auto name = entry.path().filename().string();
        if (name.rfind(kTempPrefix, 0) != 0) continue;
        std::filesystem::remove(entry.path(), ec);
        log_info("manager", "delta_temp_removed").kv("file", name).kv("why", "left half made by a killed manager");
    }
}

}  // namespace fleetcast::manager
