#pragma once
// What a program's --metrics-listen endpoint says about its MQTT links: the
// chunk messages it published and received on each link (counted from the
// topics, so they are what crossed the wire), its connects and connection
// losses. Fed and read by the program's loop thread only (no locking):
// received() from the loop's event handler, published() by CountingTransport,
// which the program's logic is given in place of its transport.
#include <cstdint>
#include <string>
#include <vector>

#include "common/metrics_text.hpp"
#include "common/transport.hpp"

namespace fleetcast {

class WireCounts {
   public:
    struct Tally {
        std::uint64_t chunks = 0;
        std::uint64_t bytes = 0;  // image bytes: the chunk messages' payloads without their header
    };
    // The chunk topics of topics.md, one per link and purpose.
    enum class Link { ManagerToGateway, Fanout, Repair };

    void received(const MqttEvent& event);
    void published(const std::string& topic, std::size_t payload_bytes);

    const Tally& sent(Link link) const { return sent_[index(link)]; }
    const Tally& got(Link link) const { return got_[index(link)]; }
    std::uint64_t connects() const { return connects_; }
    std::uint64_t connection_losses() const { return losses_; }

   private:
    static std::size_t index(Link link) { return static_cast<std::size_t>(link); }
    Tally sent_[3]{};
    Tally got_[3]{};
    std::uint64_t connects_ = 0;
    std::uint64_t losses_ = 0;
};

// Forwards everything to `inner`, counting each publish in `counts`.
class CountingTransport final : public Transport {
   public:
    CountingTransport(Transport& inner, WireCounts& counts) : inner_(inner), counts_(counts) {}
    using Transport::publish;
    using Transport::subscribe;
    using Transport::unsubscribe;
    Status publish(const std::string& topic, std::string payload, bool retained = false) override {
        auto bytes = payload.size();
        auto st = inner_.publish(topic, std::move(payload), retained);
        if (st) counts_.published(topic, bytes);
        return st;
    }
    Status subscribe(const std::string& filter) override { return inner_.subscribe(filter); }
    Status unsubscribe(const std::string& filter) override { return inner_.unsubscribe(filter); }
    std::size_t in_flight() const override { return inner_.in_flight(); }
    bool connected() const override { return inner_.connected(); }

   private:
    Transport& inner_;
    WireCounts& counts_;
};

// The families every program serves about its connection and its loop:
// `{prefix}_mqtt_connects_total`, `{prefix}_mqtt_connection_losses_total`,
// `{prefix}_mqtt_connected`, `{prefix}_mqtt_publishes_queued` (handed to the
// outbox or the broker, not yet acknowledged) and `{prefix}_event_queue_depth`.
std::vector<MetricFamily> connection_families(const std::string& prefix, const WireCounts& wire,
                                              const Transport& transport, std::size_t event_queue_depth);

}  // namespace fleetcast
