#pragma once
// A plain MQTT client for tests: watches topics on the real broker (counting
// what crossed each link) and publishes raw payloads (bad input).
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/blocking_queue.hpp"
#include "common/mqtt_session.hpp"

namespace fleetcast::testing {

class Observer {
   public:
    Observer(const std::string& uri, const std::string& client_id);
    // With TLS options or credentials (client_id and clean_session set here as above).
    explicit Observer(MqttOptions options);
    ~Observer();
    void subscribe(const std::string& filter);
    void publish(const std::string& topic, const std::string& payload, bool retained = false);

    // Stats per topic: messages and payload bytes; last payload.
    struct TopicStats {
        std::uint64_t messages = 0;
        std::uint64_t bytes = 0;
        std::string last_payload;
        // When the first and the last message arrived (wall clock of the test).
        std::chrono::system_clock::time_point first_at{};
        std::chrono::system_clock::time_point last_at{};
    };
    std::map<std::string, TopicStats> stats() const;
    std::optional<std::string> last_payload(const std::string& topic) const;
    // Every message whose topic starts with `prefix`, kept in arrival order
    // with its arrival time (e.g. each offer of a rate-limited campaign).
    struct Received {
        std::string topic;
        std::string payload;
        std::chrono::system_clock::time_point at{};
    };
    void keep(const std::string& prefix);
    std::vector<Received> kept() const;
    // Waits until pred(stats) holds; false on timeout.
    bool wait_for(const std::function<bool(const std::map<std::string, TopicStats>&)>& pred,
                  std::chrono::milliseconds timeout) const;

   private:
    BlockingQueue<MqttEvent> queue_{4096};
    std::unique_ptr<MqttSession> session_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    mutable std::mutex mu_;
    std::map<std::string, TopicStats> stats_;
    std::vector<std::string> keep_prefixes_;
    std::vector<Received> kept_;
};

// Polls pred every 50 ms until it holds or the deadline passes.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

}  // namespace fleetcast::testing
