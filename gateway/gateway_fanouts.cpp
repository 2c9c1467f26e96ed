// Fan-out to the site's devices by model (topics.md flow step 4): when a
// plan is due it is sent once on the model topic, continued after a restart
// from what the broker accepted, and each ready device is told fanout_done.
#include "common/log.hpp"
#include "common/topics.hpp"
#include "gateway/gateway.hpp"

namespace fleetcast::gateway {

void Gateway::run_fanouts(TimePoint now) {
    for (auto& start : plans_.due(now, config_.ready_timeout, config_.ready_max_wait)) {
        const auto& key = start.key;
        const auto* m = manifest(key.second);
        if (!m || !fetcher_.cached(key.second)) {
            plans_.finished(key);  // nothing to send; late devices repair via need
            continue;
        }
        auto mark = fanout_marks_.find(key);
        if (mark != fanout_marks_.end() && mark->second > 0) {
            // This fan-out ran before a restart: the broker accepted its chunks
            // below the mark for the listening devices' sessions, and delivers
            // them; only the rest is sent (what a device still lacks after
            // fanout_done it asks for).
            auto& chunks = start.chunks;
            if (chunks.size() != m->chunk_count) chunks.assign(m->chunk_count, true);
            std::fill(chunks.begin(), chunks.begin() + std::min(mark->second, m->chunk_count), false);
            log_info("gateway", "fanout_resumed")
                .kv("gateway", config_.id)
                .kv("campaign", key.first)
                .kv("fw", key.second)
                .kv("from", mark->second);
        }
        auto st = sender_.start_fanout(key, *m, fetcher_.cached_path(key.second), std::move(start.chunks));
        if (!st) {
            counters_.add("bad_topic");
            log_warn("gateway", "fanout_failed")
                .kv("campaign", key.first)
                .kv("fw", key.second)
                .kv("error", st.error().str());
            // No model topic: the devices ask for every chunk on their own repair topics.
            for (const auto& device : plans_.finished(key)) send_fanout_done(key.first, device, key.second);
        }
    }
    for (const auto& key : sender_.pump())
        for (const auto& device : plans_.finished(key)) send_fanout_done(key.first, device, key.second);
    // Verify on read: a cached chunk that failed its check is fetched again.
    for (const auto& [fw, index] : sender_.take_corrupt()) {
        counters_.add("cache_chunk_corrupt");
        if (const auto* m = manifest(fw)) fetcher_.refetch(*m, index);
    }
}

void Gateway::save_fanout_marks() {
    auto marks = sender_.take_marks();
    if (marks.empty()) return;
    auto st = store_.save_fanout_marks(marks);
    if (!st) {
        log_error("gateway", "fanout_marks_store_failed").kv("gateway", config_.id).kv("error", st.error().str());
        return;  // the next restart re-sends a little more
    }
    for (const auto& [key, mark] : marks) fanout_marks_[key] = mark;
}

void Gateway::send_fanout_done(const std::string& campaign, const std::string& device, const std::string& fw_id) {
    const JobRow* job = jobs_.find(campaign, device);
    const auto* m = manifest(fw_id);
    if (!job || !m || is_terminal(job->state)) return;
    // On the device's data topic: it reaches the device behind the fan-out's last chunk.
    auto st = publish_counted(topics::dev_fanout_done(config_.id, device, fw_id),
                              encode(FanoutDoneCmd{campaign, fw_id, m->chunk_count}));
    if (!st)
        log_warn("gateway", "fanout_done_failed")
            .kv("campaign", campaign)
            .kv("device", device)
            .kv("error", st.error().str());
    log_info("gateway", "fanout_done_sent")
        .kv("gateway", config_.id)
        .kv("campaign", campaign)
        .kv("device", device)
        .kv("fw", fw_id);
}

}  // namespace fleetcast::gateway
