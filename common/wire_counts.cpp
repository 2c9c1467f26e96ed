#include "common/wire_counts.hpp"

#include <optional>

#include "common/chunk_codec.hpp"
#include "common/topics.hpp"

namespace fleetcast {

namespace {

std::optional<WireCounts::Link> chunk_link(const std::string& topic) {
    // Most messages are not chunks: skip parsing them.
    constexpr std::string_view kSuffix = "/chunk";
    if (topic.size() < kSuffix.size() || topic.compare(topic.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0)
        return std::nullopt;
    auto parsed = topics::parse_topic(topic);
    if (!parsed) return std::nullopt;
    switch (parsed->kind) {
        case topics::Kind::GwChunk: return WireCounts::Link::ManagerToGateway;
        case topics::Kind::SiteModelChunk: return WireCounts::Link::Fanout;
        case topics::Kind::DevChunk: return WireCounts::Link::Repair;
        default: return std::nullopt;
    }
}

void count(WireCounts::Tally& t, std::size_t payload_bytes) {
    t.chunks += 1;
    t.bytes += payload_bytes > kChunkHeaderSize ? payload_bytes - kChunkHeaderSize : 0;
}

}  // namespace

void WireCounts::received(const MqttEvent& event) {
    switch (event.kind) {
        case MqttEvent::Kind::Connected: ++connects_; break;
        case MqttEvent::Kind::ConnectionLost: ++losses_; break;
        case MqttEvent::Kind::Message:
            if (auto link = chunk_link(event.topic)) count(got_[index(*link)], event.payload.size());
            break;
        case MqttEvent::Kind::Delivered: break;
    }
}

void WireCounts::published(const std::string& topic, std::size_t payload_bytes) {
    if (auto link = chunk_link(topic)) count(sent_[index(*link)], payload_bytes);
}

std::vector<MetricFamily> connection_families(const std::string& prefix, const WireCounts& wire,
                                              const Transport& transport, std::size_t event_queue_depth) {
    using T = MetricFamily::Type;
    std::vector<MetricFamily> out;
    out.push_back({prefix + "_mqtt_connects_total",
                   "Connections made to the broker since the program started (the first one and every reconnect)",
                   T::Counter,
                   {}});
    out.back().add(static_cast<double>(wire.connects()));
    out.push_back({prefix + "_mqtt_connection_losses_total",
                   "Connections to the broker lost since the program started",
                   T::Counter,
                   {}});
    out.back().add(static_cast<double>(wire.connection_losses()));
    out.push_back({prefix + "_mqtt_connected", "1 while connected to the broker, else 0", T::Gauge, {}});
    out.back().add(transport.connected() ? 1 : 0);
    out.push_back({prefix + "_mqtt_publishes_queued",
                   "Publishes waiting in the outbox or not yet acknowledged by the broker (QoS 1)",
                   T::Gauge,
                   {}});
    out.back().add(static_cast<double>(transport.in_flight()));
    out.push_back(
        {prefix + "_event_queue_depth", "MQTT events received and waiting for the program's loop", T::Gauge, {}});
    out.back().add(static_cast<double>(event_queue_depth));
    return out;
}

}  // namespace fleetcast
