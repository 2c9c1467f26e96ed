#include "manager/chunk_server.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "common/chunk_codec.hpp"
#include "common/log.hpp"
#include "common/partial_image.hpp"
#include "common/topics.hpp"

namespace fleetcast::manager {

std::uint64_t ChunkServer::queued_for(const std::string& gateway) const {
    std::uint64_t n = 0;
    for (const auto& j : jobs_)
        if (j.gateway == gateway) n += j.last - j.next + 1ULL;
    return n;
}

std::uint64_t ChunkServer::queued_chunks() const {
    std::uint64_t n = 0;
    for (const auto& j : jobs_) n += j.last - j.next + 1ULL;
    return n;
}

Status ChunkServer::on_fetch(const std::string& gateway, std::string_view payload) {
    auto req = decode_fetch(payload);
    if (!req) return req.error();
    auto m = repo_.find(req->fw_id);
    if (!m) return m.error();
    if (!*m) return make_error("not_found", "unknown firmware " + req->fw_id);
    const FirmwareManifest& manifest = **m;
    std::uint64_t total = 0;
    for (const auto& r : req->ranges) {
        if (r.last >= manifest.chunk_count)
            return make_error("out_of_range", "range [" + std::to_string(r.first) + "," + std::to_string(r.last) +
                                                  "] is outside firmware " + manifest.fw_id + " of " +
                                                  std::to_string(manifest.chunk_count) + " chunks");
        total += r.last - r.first + 1ULL;
    }
    if (total > kMaxChunksPerFetch) {
        // Serve the first kMaxChunksPerFetch: the gateway re-asks for the rest.
        counters_.add("fetch_truncated");
        log_warn("manager", "fetch_truncated")
            .kv("gateway", gateway)
            .kv("fw", manifest.fw_id)
            .kv("chunks", total)
            .kv("served", kMaxChunksPerFetch);
        std::vector<ChunkRange> kept;
        std::uint64_t room = kMaxChunksPerFetch;
        for (const auto& r : req->ranges) {
            if (room == 0) break;
            std::uint64_t n = std::min<std::uint64_t>(room, r.last - r.first + 1ULL);
            kept.push_back({r.first, static_cast<std::uint32_t>(r.first + n - 1)});
            room -= n;
        }
        req->ranges = std::move(kept);
        total = kMaxChunksPerFetch;
    }
    if (queued_for(gateway) + total > kMaxQueuedChunksPerGateway) {
        // The gateway re-asks for what does not arrive: dropping is safe.
        counters_.add("fetch_dropped");
        log_warn("manager", "fetch_dropped")
            .kv("gateway", gateway)
            .kv("fw", manifest.fw_id)
            .kv("chunks", total)
            .kv("queued", queued_for(gateway));
        return ok_status();
    }
    // A gateway re-asks what did not arrive in time; what is still queued here
    // (this loop was busy) is sent once, not twice.
    std::set<std::uint32_t> queued;
    for (const auto& j : jobs_)
        if (j.gateway == gateway && j.manifest.fw_id == manifest.fw_id)
            for (std::uint32_t i = j.next; i <= j.last; ++i) queued.insert(i);
    if (!queued.empty()) {
        std::vector<std::uint32_t> fresh;
        for (const auto& r : req->ranges)
            for (std::uint32_t i = r.first; i <= r.last; ++i)
                if (!queued.count(i)) fresh.push_back(i);
        std::sort(fresh.begin(), fresh.end());
        fresh.erase(std::unique(fresh.begin(), fresh.end()), fresh.end());
        if (fresh.size() < total) counters_.add("fetch_already_queued", total - fresh.size());
        req->ranges = to_ranges(fresh);
        total = fresh.size();
    }
    auto image = repo_.image_path(manifest);
    for (const auto& r : req->ranges) jobs_.push_back(Job{gateway, manifest, image, r.first, r.last});
    log_info("manager", "fetch")
        .kv("gateway", gateway)
        .kv("fw", manifest.fw_id)
        .kv("ranges", req->ranges.size())
        .kv("chunks", total);
    return ok_status();
}

void ChunkServer::push_image(const std::string& gateway, const FirmwareManifest& m) {
    if (m.chunk_count == 0) return;
    jobs_.push_back(Job{gateway, m, repo_.image_path(m), 0, m.chunk_count - 1});
}

void ChunkServer::pump() {
    std::map<ManagerStore::TransferKey, TransferRecord> sent;
    while (!jobs_.empty() && transport_.in_flight() < window) {
        Job& job = jobs_.front();
        const auto& m = job.manifest;
        auto chunk = reader_.read(job.image, m.size, m.chunk_size, job.next);
        Status st = chunk ? transport_.publish(topics::gw_chunk(job.gateway, m.fw_id),
                                               encode_chunk(job.next, m.chunk_count, *chunk))
                          : Status(chunk.error());
        if (!st) {
            counters_.add("chunk_send_failed");
            log_error("manager", "chunk_send_failed")
                .kv("gateway", job.gateway)
                .kv("fw", m.fw_id)
                .kv("index", job.next)
                .kv("error", st.error().str());
            jobs_.pop_front();
            continue;
        }
        auto& d = sent[{job.gateway, m.fw_id}];
        d.chunks_sent += 1;
        d.bytes_sent += chunk->size();
        if (job.next == job.last) jobs_.pop_front();
        else ++job.next;
    }
    if (sent.empty()) return;
    auto st = store_.add_transfers(sent);
    if (!st) log_error("manager", "transfer_record_failed").kv("error", st.error().str());
    for (const auto& [key, d] : sent)
        log_debug("manager", "chunks_sent")
            .kv("gateway", key.first)
            .kv("fw", key.second)
            .kv("chunks", d.chunks_sent)
            .kv("bytes", d.bytes_sent);
}

}  // namespace fleetcast::manager
