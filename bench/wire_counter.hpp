#pragma once
// What crossed each link, observed on the broker by an independent MQTT
// subscriber (never the programs' own claims): PUBLISH payload bytes per topic
// (chunk header included, MQTT framing excluded) on
//   gw/+/fw/+/chunk                 manager -> gateway
//   site/+/model/+/fw/+/chunk       gateway -> broker, fan-out (once per model)
//   site/+/dev/+/fw/+/chunk         gateway -> broker, repairs
// and the devices' power_on events (site/+/dev/+/event) with their arrival time.
// Counting happens in Paho's callback: this is a measuring tool, it does
// nothing else with the messages.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace mqtt {
class async_client;
}

namespace fleetcast::bench {

struct LinkBytes {
    std::uint64_t messages = 0;
    std::uint64_t bytes = 0;
};

class WireCounter {
   public:
    WireCounter(const std::string& uri, const std::string& client_id);
    ~WireCounter();
    WireCounter(const WireCounter&) = delete;
    WireCounter& operator=(const WireCounter&) = delete;

    LinkBytes manager_to_gateway() const;
    LinkBytes fanout() const;
    LinkBytes repairs() const;
    std::map<std::string, LinkBytes> per_topic() const;
    // power_on events that end an update of `campaign`, per device (first arrival).
    std::size_t power_ons(const std::string& campaign) const;
    std::chrono::steady_clock::time_point last_power_on(const std::string& campaign) const;
    // Time of the first fan-out chunk (epoch when none yet).
    std::chrono::steady_clock::time_point first_fanout_at() const;
    // Highest `receiving` progress percent a device reported (any campaign).
    std::uint32_t progress(const std::string& device) const;
    // When a device first reported progress phase `phase` (e.g. "verifying": every chunk is in).
    std::optional<std::chrono::steady_clock::time_point> phase_at(const std::string& device,
                                                                  const std::string& phase) const;
    void reset();

   private:
    class Callback;
    void on_message(const std::string& topic, const std::string& payload);
    std::unique_ptr<Callback> callback_;
    std::unique_ptr<mqtt::async_client> client_;
    mutable std::mutex mu_;
    std::map<std::string, LinkBytes> per_topic_;
    LinkBytes up_, fan_, repair_;
    std::map<std::string, std::map<std::string, std::chrono::steady_clock::time_point>>
        power_on_;  // campaign -> device
    std::chrono::steady_clock::time_point first_fanout_{};
    std::map<std::string, std::uint32_t> progress_;
    std::map<std::pair<std::string, std::string>, std::chrono::steady_clock::time_point> phases_;
};

}  // namespace fleetcast::bench
