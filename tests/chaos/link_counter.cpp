#include "tests/chaos/link_counter.hpp"

#include <stdexcept>

#include "common/chunk_codec.hpp"
#include "common/topics.hpp"

namespace fleetcast::testing::chaos {

std::vector<Digest> chunk_digests(const std::string& image, std::uint32_t chunk_size) {
    std::vector<Digest> out;
    for (std::size_t off = 0; off < image.size(); off += chunk_size)
        out.push_back(sha256(std::string_view(image).substr(off, chunk_size)));
    return out;
}

LinkCounter::LinkCounter(const std::string& uri, std::map<std::string, std::vector<Digest>> chunk_digests)
    : digests_(std::move(chunk_digests)) {
    MqttOptions o;
    o.uri = uri;
    o.client_id = "chaos-link-counter";
    // A persistent session: what is published while the counter reconnects
    // (after a broker restart the session is gone anyway) is still counted.
    o.clean_session = false;
    session_ = std::make_unique<MqttSession>(o, queue_);
    auto st = session_->start();
    if (st) st = session_->wait_connected(std::chrono::seconds(10));
    if (!st) throw std::runtime_error(st.error().str());
    for (const char* filter : {"fleetcast/v1/gw/+/fw/+/chunk", "fleetcast/v1/site/+/model/+/fw/+/chunk",
                               "fleetcast/v1/site/+/dev/+/fw/+/chunk"}) {
        st = session_->subscribe(filter);
        if (!st) throw std::runtime_error(st.error().str());
    }
    thread_ = std::thread([this] {
        while (!stop_) {
            auto ev = queue_.pop_for(std::chrono::milliseconds(50));
            if (ev && ev->kind == MqttEvent::Kind::Message) count(ev->topic, ev->payload);
        }
    });
}

LinkCounter::~LinkCounter() {
    stop_ = true;
    queue_.close();
    thread_.join();
    session_->stop();
}

void LinkCounter::count(const std::string& topic, const std::string& payload) {
    auto t = topics::parse_topic(topic);
    if (!t) return foreign_++, void();
    HopKey key{"", t->gateway, t->fw_id};
    switch (t->kind) {
        case topics::Kind::GwChunk: key.hop = "manager->gateway"; break;
        case topics::Kind::SiteModelChunk: key.hop = "fan-out"; break;
        case topics::Kind::DevChunk: key.hop = "repair"; break;
        default: return foreign_++, void();
    }
    auto d = digests_.find(t->fw_id);
    auto chunk = decode_chunk(payload, 16 * 1024 * 1024);
    if (d == digests_.end() || !chunk || chunk->index >= d->second.size() || chunk->count != d->second.size() ||
        chunk->digest != d->second[chunk->index])
        return foreign_++, void();
    std::lock_guard lock(mu_);
    auto& h = hops_[key];
    h.messages++;
    h.bytes += payload.size();
}

std::map<HopKey, HopBytes> LinkCounter::authentic() const {
    std::lock_guard lock(mu_);
    return hops_;
}

}  // namespace fleetcast::testing::chaos
