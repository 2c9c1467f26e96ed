#include "gateway/fanout_sender.hpp"

#include <algorithm>
#include <utility>

#include "common/chunk_codec.hpp"
#include "common/log.hpp"
#include "common/manifest_chunk.hpp"
#include "common/partial_image.hpp"
#include "common/sha256.hpp"
#include "common/topics.hpp"

namespace fleetcast::gateway {

FanoutSender::FanoutSender(Transport& transport, std::string gateway, std::size_t window)
    : transport_(transport), gateway_(std::move(gateway)), window_(std::max<std::size_t>(1, window)) {}

Status FanoutSender::start_fanout(const FanoutKey& key, const FirmwareManifest& m, const std::filesystem::path& file,
                                  std::vector<bool> chunks) {
    for (const auto& s : streams_)
        if (s.fanout && s.key == key) return ok_status();
    auto topic = topics::site_model_chunk(gateway_, m.model, m.fw_id);
    if (!topic) return topic.error();
    Stream s;
    s.fanout = true;
    s.key = key;
    s.manifest = m;
    s.file = file;
    s.topic = std::move(*topic);
    if (chunks.size() == m.chunk_count) s.chunks = std::move(chunks);
    s.skip_unneeded();
    auto sending = s.chunks.empty() ? m.chunk_count : std::count(s.chunks.begin(), s.chunks.end(), true);
    streams_.push_back(std::move(s));
    log_info("gateway", "fanout_started")
        .kv("gateway", gateway_)
        .kv("campaign", key.first)
        .kv("fw", m.fw_id)
        .kv("model", m.model)
        .kv("chunks", m.chunk_count)
        .kv("sending", sending);
    return ok_status();
}

Expected<std::size_t> FanoutSender::queue_repair(const std::string& device, const FirmwareManifest& m,
                                                 const std::filesystem::path& file,
                                                 const std::vector<ChunkRange>& ranges, std::size_t max_chunks) {
    auto it = std::find_if(streams_.begin(), streams_.end(), [&](const Stream& s) {
        return !s.fanout && s.device == device && s.manifest.fw_id == m.fw_id;
    });
    if (it == streams_.end()) {
        auto topic = topics::dev_chunk(gateway_, device, m.fw_id);
        if (!topic) return topic.error();
        Stream s;
        s.device = device;
        s.manifest = m;
        s.file = file;
        s.topic = std::move(*topic);
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

FanoutSender::Sent FanoutSender::send_one(Stream& s) {
    std::uint32_t index = s.fanout ? s.next : *s.pending.begin();
    auto payload = reader_.read(s.file, s.manifest.size, s.manifest.chunk_size, index);
    if (payload) {
        if (auto st = check_manifest_chunk(s.manifest, index, *payload); !st) payload = st.error();
    }
    if (!payload) {
        // Never publish a chunk the devices would reject: hold this image's
        // streams here until the gateway has re-fetched it.
        log_error("gateway", "cache_chunk_corrupt")
            .kv("gateway", gateway_)
            .kv("fw", s.manifest.fw_id)
            .kv("index", index)
            .kv("error", payload.error().str());
        blocked_.insert(s.manifest.fw_id);
        corrupt_.emplace_back(s.manifest.fw_id, index);
        return Sent::Blocked;
    }
    auto st = transport_.publish(s.topic, encode_chunk(index, s.manifest.chunk_count, *payload));
    if (!st) {
        log_warn("gateway", "chunk_send_failed")
            .kv("gateway", gateway_)
            .kv("topic", s.topic)
            .kv("error", st.error().str());
        return Sent::TransportBusy;
    }
    ++s.sent;
    ++seq_;
    if (s.fanout) {
        s.unacked.emplace_back(seq_, index);
        ++s.next;
        s.skip_unneeded();
    } else {
        s.pending.erase(s.pending.begin());
    }
    return Sent::Yes;
}

void FanoutSender::update_marks() {
    std::uint64_t in_flight = transport_.in_flight();
    std::uint64_t accepted = seq_ > in_flight ? seq_ - in_flight : 0;  // publishes 1..accepted were acknowledged
    auto advance = [&](const FanoutKey& key, auto& unacked) {
        bool moved = false;
        std::uint32_t mark = 0;
        while (!unacked.empty() && unacked.front().first <= accepted) {
            mark = unacked.front().second + 1;
            unacked.pop_front();
            moved = true;
        }
        if (moved) marks_changed_[key] = mark;
    };
    for (auto& s : streams_)
        if (s.fanout) advance(s.key, s.unacked);
    for (auto it = finishing_.begin(); it != finishing_.end();) {
        advance(it->first, it->second);
        if (!it->second.empty()) {
            ++it;
            continue;
        }
        marks_changed_[it->first] = chunk_counts_[it->first];  // every chunk it sent was accepted
        chunk_counts_.erase(it->first);
        it = finishing_.erase(it);
    }
}

std::map<FanoutKey, std::uint32_t> FanoutSender::take_marks() {
    update_marks();
    return std::exchange(marks_changed_, {});
}

std::vector<FanoutKey> FanoutSender::pump() {
    std::vector<FanoutKey> finished;
    // Streams that are done before sending anything (a fan-out of nothing).
    for (auto it = streams_.begin(); it != streams_.end();) {
        if (!it->done()) {
            ++it;
            continue;
        }
        if (it->fanout) {
            finished.push_back(it->key);
            finishing_[it->key] = std::move(it->unacked);
            chunk_counts_[it->key] = it->manifest.chunk_count;
        }
        it = streams_.erase(it);
    }
    std::size_t held = 0;  // blocked streams met in a row
    while (!streams_.empty() && held < streams_.size() && transport_.in_flight() < window_) {
        Stream& s = streams_.front();
        Sent sent = blocked_.count(s.manifest.fw_id) ? Sent::Blocked : send_one(s);
        if (sent == Sent::TransportBusy) break;  // retried on the next pump
        if (sent == Sent::Blocked) {
            ++held;
            streams_.splice(streams_.end(), streams_, streams_.begin());
            continue;
        }
        held = 0;
        if (s.done()) {
            if (s.fanout) {
                log_info("gateway", "fanout_sent")
                    .kv("gateway", gateway_)
                    .kv("campaign", s.key.first)
                    .kv("fw", s.manifest.fw_id)
                    .kv("model", s.manifest.model)
                    .kv("chunks", s.manifest.chunk_count)
                    .kv("sent", s.sent);
                finished.push_back(s.key);
                finishing_[s.key] = std::move(s.unacked);
                chunk_counts_[s.key] = s.manifest.chunk_count;
            } else {
                log_debug("gateway", "repair_sent")
                    .kv("gateway", gateway_)
                    .kv("device", s.device)
                    .kv("fw", s.manifest.fw_id);
            }
            streams_.pop_front();
        } else {
            streams_.splice(streams_.end(), streams_, streams_.begin());
        }
    }
    return finished;
}

std::vector<std::pair<std::string, std::uint32_t>> FanoutSender::take_corrupt() { return std::exchange(corrupt_, {}); }

void FanoutSender::unblock(const std::string& fw_id) { blocked_.erase(fw_id); }

void FanoutSender::stop_fanout(const FanoutKey& key) {
    streams_.remove_if([&](const Stream& s) { return s.fanout && s.key == key; });
}

void FanoutSender::stop_all() {
    streams_.clear();
    finishing_.clear();
    chunk_counts_.clear();
    marks_changed_.clear();
}

void FanoutSender::drop_repairs(const std::string& device) {
    streams_.remove_if([&](const Stream& s) { return !s.fanout && s.device == device; });
}

}  // namespace fleetcast::gateway
