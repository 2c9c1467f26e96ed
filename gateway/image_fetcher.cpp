#include "gateway/image_fetcher.hpp"

#include <algorithm>

#include "common/atomic_file.hpp"
#include "common/chunk_codec.hpp"
#include "common/log.hpp"
#include "common/manifest_chunk.hpp"
#include "common/topics.hpp"

namespace fleetcast::gateway {

ImageFetcher::ImageFetcher(Transport& transport, Clock& clock, Counters& counters, std::string gateway,
                           std::filesystem::path cache_dir, std::uint32_t window, Millis retry_after)
    : transport_(transport),
      clock_(clock),
      counters_(counters),
      gateway_(std::move(gateway)),
      cache_dir_(std::move(cache_dir)),
      window_(std::max<std::uint32_t>(1, window)),
      retry_after_(retry_after) {}

ImageFetcher::~ImageFetcher() { checkpoint_all(); }

bool ImageFetcher::cached(const std::string& fw_id) const {
    if (cached_.count(fw_id)) return true;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(cached_path(fw_id), ec)) return false;
    cached_.insert(fw_id);  // a finished image never changes: ask the file system once
    return true;
}

std::filesystem::path ImageFetcher::cached_path(const std::string& fw_id) const {
    return cache_dir_ / (fw_id + ".img");
}

ImageFetcher::Download* ImageFetcher::open(const FirmwareManifest& m) {
    auto it = downloads_.find(m.fw_id);
    if (it != downloads_.end()) return &it->second;
    auto img = PartialImage::open(cache_dir_ / (m.fw_id + ".img.part"), m.size, m.chunk_size, m.sha256);
    if (!img) {
        log_error("gateway", "cache_open_failed")
            .kv("gateway", gateway_)
            .kv("fw", m.fw_id)
            .kv("error", img.error().str());
        return nullptr;
    }
    Download d;
    d.manifest = m;
    d.image = std::move(*img);
    log_info("gateway", "download_opened")
        .kv("gateway", gateway_)
        .kv("fw", m.fw_id)
        .kv("have", d.image->received())
        .kv("chunks", d.image->chunk_count());
    return &downloads_.emplace(m.fw_id, std::move(d)).first->second;
}

void ImageFetcher::want(const FirmwareManifest& m) {
    if (cached(m.fw_id)) return;
    Download* d = open(m);
    if (!d || d->requesting) return;
    d->requesting = true;
    d->last_activity = clock_.now();
    if (d->image->received() > 0 && d->bytes_received == 0) d->hold_until = clock_.now() + resume_settle;
    report(m.fw_id, "fetching", d->image->size());
    request_more(*d, false);
}

void ImageFetcher::hold(const std::string& fw_id) {
    auto it = downloads_.find(fw_id);
    if (it == downloads_.end() || !it->second.requesting) return;
    it->second.requesting = false;
    it->second.outstanding.clear();
    auto st = it->second.image->checkpoint();
    log_info("gateway", "download_held")
        .kv("gateway", gateway_)
        .kv("fw", fw_id)
        .kv("have", it->second.image->received())
        .kv("checkpoint", st ? "ok" : st.error().str());
}

void ImageFetcher::hold_all() {
    for (auto& [fw_id, d] : downloads_)
        if (d.requesting) hold(fw_id);
}

void ImageFetcher::drop(const std::string& fw_id) {
    if (auto it = downloads_.find(fw_id); it != downloads_.end()) {
        auto st = it->second.image->discard();
        if (!st) log_warn("gateway", "download_remove_failed").kv("fw", fw_id).kv("error", st.error().str());
        downloads_.erase(it);
    }
    refetch_.erase(fw_id);
    cached_.erase(fw_id);
    std::error_code ec;
    bool removed = std::filesystem::remove(cached_path(fw_id), ec);
    log_info("gateway", "image_dropped").kv("gateway", gateway_).kv("fw", fw_id).kv("cached_file_removed", removed);
}

Millis ImageFetcher::retry_wait(const Download& d) const {
    Millis wait = retry_after_;
    double rate = meter_ ? meter_->manager_bytes_per_second() : 0;
    if (rate > 0) {
        double outstanding_bytes = static_cast<double>(d.outstanding.size()) * d.manifest.chunk_size;
        wait = std::max(wait, Millis(static_cast<std::int64_t>(2000.0 * outstanding_bytes / rate)));
    }
    return wait * d.backoff;
}

void ImageFetcher::set_link_up(bool up) {
    if (up == link_up_) return;
    link_up_ = up;
    log_info("gateway", up ? "manager_link_up" : "manager_link_down").kv("gateway", gateway_);
    if (!up) return;
    // What was asked before the outage is still queued at the central broker:
    // give it the time to arrive before asking again.
    auto now = clock_.now();
    for (auto& [fw, d] : downloads_) {
        d.last_activity = now;
        d.backoff = 1;
    }
}

void ImageFetcher::refetch(const FirmwareManifest& m, std::uint32_t index) {
    auto [it, asked] = refetch_[m.fw_id].try_emplace(index, clock_.now());
    if (!asked) return;  // already on its way
    counters_.add("cache_refetch");
    log_warn("gateway", "cache_refetch")
        .kv("gateway", gateway_)
        .kv("fw", m.fw_id)
        .kv("index", index)
        .kv("cache_refetch", counters_.get("cache_refetch"));
    send_fetch(m.fw_id, {index});
}

ImageFetcher::ChunkResult ImageFetcher::patch_cached(const FirmwareManifest& m, std::uint32_t index,
                                                     std::string_view payload) {
    auto fw = refetch_.find(m.fw_id);
    if (fw == refetch_.end() || !fw->second.count(index)) return ChunkResult::Duplicate;
    auto st = write_image_chunk(cached_path(m.fw_id), m.chunk_size, index, payload);
    if (!st) {
        counters_.add("cache_write_failures");
        log_error("gateway", "cache_repair_failed")
            .kv("gateway", gateway_)
            .kv("fw", m.fw_id)
            .kv("index", index)
            .kv("error", st.error().str());
        return ChunkResult::Rejected;  // asked again after the retry wait
    }
    fw->second.erase(index);
    if (fw->second.empty()) refetch_.erase(fw);
    log_info("gateway", "cache_chunk_repaired").kv("gateway", gateway_).kv("fw", m.fw_id).kv("index", index);
    return ChunkResult::Repaired;
}

void ImageFetcher::tick() {
    if (!link_up_) return;
    auto now = clock_.now();
    for (auto& [fw, chunks] : refetch_) {
        std::vector<std::uint32_t> again;
        for (auto& [index, at] : chunks)
            if (now - at >= retry_after_) {
                again.push_back(index);
                at = now;
            }
        if (!again.empty()) {
            counters_.add("fetch_retries");
            send_fetch(fw, again);
        }
    }
    for (auto& [fw, d] : downloads_) {
        if (!d.requesting) continue;
        if (!d.outstanding.empty() && now - d.last_activity >= retry_wait(d)) {
            log_warn("gateway", "fetch_retry")
                .kv("gateway", gateway_)
                .kv("fw", fw)
                .kv("outstanding", d.outstanding.size())
                .kv("waited_ms", retry_wait(d).count());
            d.backoff = std::min<std::uint32_t>(d.backoff * 2, 8);
            std::vector<std::uint32_t> again;
            for (auto& [index, at] : d.outstanding) {
                again.push_back(index);
                at = now;
            }
            d.last_activity = now;
            counters_.add("fetch_retries");
            send_fetch(d.manifest.fw_id, again);
        }
        request_more(d, false);
    }
}

void ImageFetcher::request_more(Download& d, bool force) {
    if (clock_.now() < d.hold_until) return;
    std::uint32_t free = window_ - std::min<std::uint32_t>(window_, static_cast<std::uint32_t>(d.outstanding.size()));
    // Ask in batches of a quarter window, not one fetch message per chunk.
    if (free == 0 || (!force && !d.outstanding.empty() && free < std::max<std::uint32_t>(1, window_ / 4))) return;
    std::vector<std::uint32_t> indexes;
    auto now = clock_.now();
    for (std::uint32_t i = 0; i < d.image->chunk_count() && indexes.size() < free; ++i) {
        if (d.image->has(i) || d.outstanding.count(i)) continue;
        indexes.push_back(i);
        d.outstanding[i] = now;
    }
    if (!indexes.empty()) send_fetch(d.manifest.fw_id, indexes);
}

void ImageFetcher::send_fetch(const std::string& fw_id, const std::vector<std::uint32_t>& indexes) {
    FetchRequest r;
    r.fw_id = fw_id;
    r.ranges = to_ranges(indexes);
    auto st = transport_.publish(topics::gw_fetch(gateway_), encode(r));
    if (!st)
        log_warn("gateway", "fetch_send_failed")
            .kv("gateway", gateway_)
            .kv("fw", r.fw_id)
            .kv("error", st.error().str());
    log_debug("gateway", "fetch_sent").kv("gateway", gateway_).kv("fw", r.fw_id).kv("chunks", indexes.size());
}

ImageFetcher::ChunkResult ImageFetcher::on_chunk(const FirmwareManifest& m, std::string_view bytes) {
    if (cached(m.fw_id) && !refetch_.count(m.fw_id)) return ChunkResult::Duplicate;
    auto chunk = decode_manifest_chunk(bytes, m);
    if (!chunk) {
        counters_.add("bad_chunk");
        log_warn("gateway", "bad_chunk")
            .kv("gateway", gateway_)
            .kv("fw", m.fw_id)
            .kv("error", chunk.error().str())
            .kv("bad_chunk", counters_.get("bad_chunk"));
        return ChunkResult::Rejected;
    }
    if (cached(m.fw_id)) return patch_cached(m, chunk->index, chunk->payload);
    Download* d = open(m);
    if (!d) return ChunkResult::Rejected;
    if (d->image->has(chunk->index)) return ChunkResult::Duplicate;
    auto st = d->image->write_chunk(chunk->index, chunk->payload);
    if (!st) {
        std::string counter = st.error().code == "bad_chunk" ? "bad_chunk" : "cache_write_failures";
        counters_.add(counter);
        log_warn("gateway", "chunk_not_written")
            .kv("gateway", gateway_)
            .kv("fw", m.fw_id)
            .kv("index", chunk->index)
            .kv("error", st.error().str())
            .kv(counter, counters_.get(counter));
        return ChunkResult::Rejected;
    }
    d->outstanding.erase(chunk->index);
    d->last_activity = clock_.now();
    d->backoff = 1;
    d->bytes_received += chunk->payload.size();
    if (meter_) meter_->manager_chunk(m.fw_id, chunk->payload.size());
    if (d->image->complete()) return complete(*d);
    if (d->requesting) request_more(*d, false);
    return ChunkResult::Stored;
}

ImageFetcher::ChunkResult ImageFetcher::complete(Download& d) {
    std::string fw = d.manifest.fw_id;
    std::uint64_t received = d.bytes_received;
    auto st = d.image->verify(d.manifest.sha256);
    if (!st) {
        counters_.add("corrupt_image");
        log_error("gateway", "image_corrupt").kv("gateway", gateway_).kv("fw", fw).kv("error", st.error().str());
        d.image->discard();
        downloads_.erase(fw);
        report(fw, "corrupt", 0);
        return ChunkResult::Corrupt;
    }
    st = d.image->finish();
    if (st) {
        std::error_code ec;
        std::filesystem::rename(d.image->path(), cached_path(fw), ec);
        st = ec ? Status(make_error("io", "rename " + d.image->path().string() + ": " + ec.message()))
                : fsync_dir(cache_dir_);
    }
    if (!st) {
        log_error("gateway", "cache_finish_failed").kv("gateway", gateway_).kv("fw", fw).kv("error", st.error().str());
        d.image->discard();
        downloads_.erase(fw);
        return ChunkResult::Rejected;
    }
    std::uint64_t size = d.manifest.size;
    if (meter_) meter_->manager_download_done(fw, d.requesting ? "fetch" : "push");
    downloads_.erase(fw);
    log_info("gateway", "image_cached")
        .kv("gateway", gateway_)
        .kv("fw", fw)
        .kv("size", size)
        .kv("bytes_received", received);
    report(fw, "cached", size);
    return ChunkResult::Cached;
}

void ImageFetcher::report(const std::string& fw_id, const std::string& state, std::uint64_t bytes) {
    auto st = transport_.publish(topics::gw_report(gateway_), encode(CacheReport{fw_id, state, bytes}));
    if (!st) log_warn("gateway", "report_failed").kv("gateway", gateway_).kv("fw", fw_id).kv("error", st.error().str());
}

void ImageFetcher::checkpoint_all() {
    for (auto& [fw, d] : downloads_) {
        if (!d.image) continue;
        auto st = d.image->checkpoint();
        if (!st)
            log_warn("gateway", "checkpoint_failed").kv("gateway", gateway_).kv("fw", fw).kv("error", st.error().str());
    }
}

}  // namespace fleetcast::gateway
