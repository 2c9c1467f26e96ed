#pragma once
// The MQTT session of one program (or one simulated device) over Paho's
// async_client: automatic reconnect, QoS 1, persistent session, a last will
// on the retained state topic, subscriptions renewed on reconnect. Paho's
// callbacks only enqueue MqttEvents onto the program's queue.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/blocking_queue.hpp"
#include "common/transport.hpp"

namespace mqtt {
class async_client;
class callback;
}  // namespace mqtt

namespace fleetcast {

struct MqttOptions {
    // One broker URI, or several separated by commas (the nodes of a broker
    // cluster): the session connects to the first that answers and, when its
    // node goes away, reconnects to the next (Paho's server URI list).
    std::string uri = "tcp://127.0.0.1:1883";
    std::string client_id;
    bool clean_session = false;
    int keep_alive_s = 20;
    int max_inflight = 256;
    std::optional<std::string> will_topic;  // retained, QoS 1
    std::string will_payload;
    std::string username;
    std::string password;
    std::string ca_file;    // TLS when set (ssl:// uri)
    std::string cert_file;  // client certificate
    std::string key_file;
};

// The broker URIs of `uri` ("tcp://a:1883,tcp://b:1883"), in order; bad_args
// for an empty entry or one that is not tcp://, ssl://, mqtt:// or mqtts://.
Expected<std::vector<std::string>> broker_uris(const std::string& uri);

class MqttSession final : public Transport {
   public:
    // urgent: this session's events take the sink's urgent lane.
    MqttSession(MqttOptions options, BlockingQueue<MqttEvent>& sink, int tag = 0, bool urgent = false);
    ~MqttSession() override;

    // Starts connecting and returns; Connected arrives as an event.
    Status start();
    // Waits until connected and subscribed (or the timeout passes).
    Status wait_connected(std::chrono::milliseconds timeout);
    // Clean disconnect (no will). Publishes `final_state` retained on will topic first when given.
    void stop(const std::optional<std::string>& final_state = std::nullopt);

    using Transport::publish;
    using Transport::subscribe;
    using Transport::unsubscribe;
    Status publish(const std::string& topic, std::string payload, bool retained = false) override;
    Status subscribe(const std::string& filter) override;
    Status unsubscribe(const std::string& filter) override;
    std::size_t in_flight() const override { return in_flight_.load(); }
    // Connected and every subscription acknowledged (the Connected event was pushed).
    bool connected() const override { return ready_.load(); }
    const std::string& client_id() const { return options_.client_id; }

   private:
    class Callback;
    class ConnectListener;
    class SubscribeListener;
    void on_connected();
    void report_connected();
    MqttOptions options_;
    BlockingQueue<MqttEvent>& sink_;
    int tag_;
    bool urgent_;
    std::unique_ptr<Callback> callback_;
    std::unique_ptr<ConnectListener> connect_listener_;
    std::unique_ptr<SubscribeListener> subscribe_listener_;
    std::uintptr_t connection_generation_ = 0;  // Paho's callback thread only
    std::atomic<bool> session_lost_{true};      // of the current connection
    // The first connection's CONNACK session-present flag: -1 not known (yet).
    std::atomic<int> first_session_present_{-1};
    bool connected_once_ = false;  // Paho's callback thread only
    std::unique_ptr<mqtt::async_client> client_;
    std::mutex subs_mu_;
    std::set<std::string> subscriptions_;
    std::atomic<std::size_t> in_flight_{0};
    std::atomic<bool> connected_{false};  // the connection is up (subscribe() sends at once)
    std::atomic<bool> ready_{false};      // ...and its subscriptions are acknowledged
};

}  // namespace fleetcast
