// Issue 17: deltas between two images of the repository, made once per
// (source, target) pair with zstd's prefix (common/zstd_artifact.hpp) and
// stored like images: content-addressed file, signed manifest in the
// firmware table (its `encoding` names source and target).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "common/atomic_file.hpp"
#include "common/log.hpp"
#include "common/manifest_signing.hpp"
#include "common/sha256.hpp"
#include "common/zstd_artifact.hpp"
#include "manager/campaign_planner.hpp"
#include "manager/firmware_repository.hpp"

namespace fleetcast::manager {

namespace {
// `m` is the encoding of `target` from `source_sha` (empty: the compressed image).
bool encoding_of(const FirmwareManifest& m, const std::string& source_sha, const FirmwareManifest& target) {
    return m.encoding && m.model == target.model && m.component == target.component &&
           m.encoding->source_sha256 == source_sha && m.encoding->target_sha256 == target.sha256;
}
}  // namespace

Expected<std::optional<FirmwareManifest>> FirmwareRepository::ensure_delta(const FirmwareManifest& source,
                                                                           const FirmwareManifest& target) {
    return ensure_encoded(&source, target, max_delta_ratio, delta_level);
}

Expected<std::optional<FirmwareManifest>> FirmwareRepository::ensure_compressed(const FirmwareManifest& image) {
    return ensure_encoded(nullptr, image, max_compressed_ratio, compress_level);
}

Expected<std::optional<FirmwareManifest>> FirmwareRepository::ensure_encoded(const FirmwareManifest* source,
                                                                             const FirmwareManifest& target,
                                                                             double max_ratio, int level) {
    const std::string source_sha = source ? source->sha256 : std::string();
    if (skipped_deltas_.count({source_sha, target.sha256})) return std::optional<FirmwareManifest>{};
    auto all = store_.list_firmware();
    if (!all) return all.error();
    for (const auto& r : *all)
        if (encoding_of(r.manifest, source_sha, target)) return std::optional<FirmwareManifest>{r.manifest};
    auto st = ensure_dir(images_dir_);
    if (!st) return st.error();

    std::random_device rd;
    const auto tmp = images_dir_ / (".delta-" + std::to_string(rd()) + "-" + std::to_string(::getpid()));
    auto drop_temp = [&] {
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
    };
    const auto started = std::chrono::steady_clock::now();
    auto size =
        zstd_encode_file(source ? image_path(*source) : std::filesystem::path(), image_path(target), tmp, level);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    if (!size) {
        drop_temp();
        return size.error();
    }
    const char* what = source ? "delta" : "compressed";
    if (static_cast<double>(*size) > max_ratio * static_cast<double>(target.size)) {
        drop_temp();
        skipped_deltas_.insert({source_sha, target.sha256});
        log_info("manager", std::string(what) + "_skipped")
            .kv("source", source ? source->fw_id : std::string("-"))
            .kv("target", target.fw_id)
            .kv("delta_bytes", *size)
            .kv("image_bytes", target.size)
            .kv("ms", ms)
            .kv("why", "larger than the limit of the image's size");
        return std::optional<FirmwareManifest>{};
    }
    auto digest = sha256_file(tmp);
    if (!digest) {
        drop_temp();
        return digest.error();
    }
    FirmwareManifest m;
    m.sha256 = to_hex(*digest);
    m.fw_id = m.sha256.substr(0, 16);
    m.model = target.model;
    m.component = target.component;
    m.version = target.version;
    m.size = *size;
    m.chunk_size = target.chunk_size;
    m.chunk_count = chunk_count_for(m.size, m.chunk_size);
    m.allow_downgrade = target.allow_downgrade;
    m.encoding =
        ArtifactEncoding{"zstd", source_sha, source ? source->version : std::string(), target.sha256, target.size};
    auto signed_m = chunk_and_sign(std::move(m), tmp);
    if (!signed_m) {
        drop_temp();
        return signed_m.error();
    }
    // The file is in place before the database names it.
    st = commit(CopiedImage{signed_m->sha256, signed_m->size, tmp});
    if (!st) return st.error();
    if (auto existing = store_.find_firmware(signed_m->fw_id); existing && *existing)
        return std::optional<FirmwareManifest>{(*existing)->manifest};
    st = store_.insert_firmware(FirmwareRecord{*signed_m, clock_.now()});
    if (!st) return st.error();
    log_info("manager", std::string(what) + "_made")
        .kv("fw", signed_m->fw_id)
        .kv("source", source ? source->fw_id : std::string("-"))
        .kv("source_version", source ? source->version : std::string("-"))
        .kv("target", target.fw_id)
        .kv("version", target.version)
        .kv("delta_bytes", signed_m->size)
        .kv("image_bytes", target.size)
        .kv("ms", ms);
    return std::optional<FirmwareManifest>{*signed_m};
}

void make_campaign_deltas(FirmwareRepository& repo, const std::string& campaign,
                          const std::vector<TargetRecord>& targets, const std::vector<FirmwareManifest>& firmware) {
    std::set<std::pair<std::string, std::string>> done;  // (source, target) fw ids
    for (const auto& t : targets)
        for (const auto& fw : t.fw_ids) {
            auto image = std::find_if(firmware.begin(), firmware.end(), [&](const auto& m) { return m.fw_id == fw; });
            if (image == firmware.end()) continue;
            auto old = t.old_versions.find(image->component);
            const auto* source = old == t.old_versions.end()
                                     ? nullptr
                                     : image_of_version(firmware, image->model, image->component, old->second);
            if (source && source->sha256 == image->sha256) source = nullptr;
            bool made = false;
            if (source && done.insert({source->fw_id, image->fw_id}).second) {
                auto delta = repo.ensure_delta(*source, *image);
                if (!delta)
                    log_warn("manager", "delta_failed").kv("campaign", campaign).kv("error", delta.error().str());
                made = delta && *delta;
            } else if (source) {
                continue;  // this pair was handled for another target
            }
            // Without a delta, the image crosses the links compressed when that saves (item 2).
            if (!made && done.insert({"", image->fw_id}).second) {
                auto packed = repo.ensure_compressed(*image);
                if (!packed)
                    log_warn("manager", "compressed_failed").kv("campaign", campaign).kv("error", packed.error().str());
            }
        }
}

}  // namespace fleetcast::manager
