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
bool delta_of(const FirmwareManifest& m, const FirmwareManifest& source, const FirmwareManifest& target) {
    return is_delta(m) && m.model == target.model && m.component == target.component &&
           m.encoding->source_sha256 == source.sha256 && m.encoding->target_sha256 == target.sha256;
}
}  // namespace

Expected<std::optional<FirmwareManifest>> FirmwareRepository::ensure_delta(const FirmwareManifest& source,
                                                                           const FirmwareManifest& target) {
    if (skipped_deltas_.count({source.sha256, target.sha256})) return std::optional<FirmwareManifest>{};
    auto all = store_.list_firmware();
    if (!all) return all.error();
    for (const auto& r : *all)
        if (delta_of(r.manifest, source, target)) return std::optional<FirmwareManifest>{r.manifest};
    auto st = ensure_dir(images_dir_);
    if (!st) return st.error();

    std::random_device rd;
    const auto tmp = images_dir_ / (".delta-" + std::to_string(rd()) + "-" + std::to_string(::getpid()));
    auto drop_temp = [&] {
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
    };
    const auto started = std::chrono::steady_clock::now();
    auto size = zstd_encode_file(image_path(source), image_path(target), tmp, delta_level);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    if (!size) {
        drop_temp();
        return size.error();
    }
    if (static_cast<double>(*size) > max_delta_ratio * static_cast<double>(target.size)) {
        drop_temp();
        skipped_deltas_.insert({source.sha256, target.sha256});
        log_info("manager", "delta_skipped")
            .kv("source", source.fw_id)
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
    m.encoding = ArtifactEncoding{"zstd", source.sha256, source.version, target.sha256, target.size};
    auto chunks = chunk_digests_of_file(tmp, m.chunk_size);
    if (!chunks) {
        drop_temp();
        return chunks.error();
    }
    m.chunk_sha256 = std::move(*chunks);
    auto signed_m = signer_.sign(std::move(m), clock_.now());
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
    log_info("manager", "delta_made")
        .kv("fw", signed_m->fw_id)
        .kv("source", source.fw_id)
        .kv("source_version", source.version)
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
            auto old = image == firmware.end() ? t.old_versions.end() : t.old_versions.find(image->component);
            if (old == t.old_versions.end()) continue;
            const auto* source = image_of_version(firmware, image->model, image->component, old->second);
            if (!source || source->sha256 == image->sha256) continue;
            if (!done.insert({source->fw_id, image->fw_id}).second) continue;
            auto delta = repo.ensure_delta(*source, *image);
            if (!delta)
                log_warn("manager", "delta_failed")
                    .kv("campaign", campaign)
                    .kv("source", source->fw_id)
                    .kv("target", image->fw_id)
                    .kv("error", delta.error().str());
        }
}

}  // namespace fleetcast::manager
