#include "gateway/fanout_sender.hpp"

#include <algorithm>

#include "common/chunk_codec.hpp"
#include "common/log.hpp"
#include "common/partial_image.hpp"
#include "common/topics.hpp"

namespace fleetcast::gateway {

FanoutSender::FanoutSender(Transport& transport, std::string gateway, std::size_t window)
    : transport_(transport), gateway_(std::move(gateway)), window_(std::max<std::size_t>(1, window)) {}

void FanoutSender::start_fanout(const FanoutKey& key, const FirmwareManifest& m, const std::filesystem::path& file) {
    for (const auto& s : streams_)
        if (s.fanout && s.key == key) return;
    Stream s;
    s.fanout = true;
    s.key = key;
    s.manifest = m;
    s.file = file;
    s.topic = topics::site_model_chunk(gateway_, m.model, m.fw_id);
    streams_.push_back(std::move(s));
    log_info("gateway", "fanout_started")
        .kv("gateway", gateway_)
        .kv("campaign", key.first)
        .kv("fw", m.fw_id)
        .kv("model", m.model)
        .kv("chunks", m.chunk_count);
}

std::size_t FanoutSender::queue_repair(const std::string& device, const FirmwareManifest& m,
                                       const std::filesystem::path& file, const std::vector<ChunkRange>& ranges,
                                       std::size_t max_chunks) {
    auto it = std::find_if(streams_.begin(), streams_.end(), [&](const Stream& s) {
        return !s.fanout && s.device == device && s.manifest.fw_id == m.fw_id;
    });
    if (it == streams_.end()) {
        Stream s;
        s.device = device;
        s.manifest = m;
        s.file = file;
        s.topic = topics::dev_chunk(gateway_, device, m.fw_id);
        it = streams_.insert(streams_.end(), std::move(s));
    }
    std::size_t added = 0, considered = 0;
    for (const auto& r : ranges) {
        if (r.first >= m.chunk_count) continue;  // outside the image: ignored
        std::uint32_t last = std::min(r.last, m.chunk_count - 1);
        for (std::uint32_t i = r.first; i <= last && considered < max_chunks; ++i, ++considered)
            if (it->pending.insert(i).second) ++added;
        if (considered >= max_chunks) break;
    }
    if (it->pending.empty()) streams_.erase(it);
    return added;
}

bool FanoutSender::send_one(Stream& s) {
    std::uint32_t index = s.fanout ? s.next : *s.pending.begin();
    auto payload = read_image_chunk(s.file, s.manifest.size, s.manifest.chunk_size, index);
    if (!payload) {
        log_error("gateway", "chunk_read_failed")
            .kv("gateway", gateway_)
            .kv("fw", s.manifest.fw_id)
            .kv("index", index)
            .kv("error", payload.error().str());
        // The cache file is unreadable: give up this stream rather than block
        // every other one behind it.
        s.next = s.manifest.chunk_count;
        s.pending.clear();
        return true;
    }
    auto st = transport_.publish(s.topic, encode_chunk(index, s.manifest.chunk_count, *payload));
    if (!st) {
        log_warn("gateway", "chunk_send_failed").kv("gateway", gateway_).kv("topic", s.topic).kv("error", st.error().str());
        return false;
    }
    if (s.fanout) ++s.next;
    else s.pending.erase(s.pending.begin());
    return true;
}

std::vector<FanoutKey> FanoutSender::pump() {
    std::vector<FanoutKey> finished;
    while (!streams_.empty() && transport_.in_flight() < window_) {
        Stream& s = streams_.front();
        if (!send_one(s)) break;  // retried on the next pump
        if (s.done()) {
            if (s.fanout) {
                log_info("gateway", "fanout_sent")
                    .kv("gateway", gateway_)
                    .kv("campaign", s.key.first)
                    .kv("fw", s.manifest.fw_id)
                    .kv("model", s.manifest.model)
                    .kv("chunks", s.manifest.chunk_count)
                    .kv("bytes", s.manifest.size);
                finished.push_back(s.key);
            } else {
                log_debug("gateway", "repair_sent").kv("gateway", gateway_).kv("device", s.device).kv("fw", s.manifest.fw_id);
            }
            streams_.pop_front();
        } else {
            streams_.splice(streams_.end(), streams_, streams_.begin());
        }
    }
    return finished;
}

void FanoutSender::stop_fanout(const FanoutKey& key) {
    streams_.remove_if([&](const Stream& s) { return s.fanout && s.key == key; });
}

void FanoutSender::drop_repairs(const std::string& device) {
    streams_.remove_if([&](const Stream& s) { return !s.fanout && s.device == device; });
}

}  // namespace fleetcast::gateway
