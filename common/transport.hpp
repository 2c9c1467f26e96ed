#pragma once
// What the program logic needs from MQTT, as an interface so logic classes can
// be driven in unit tests without a network. MqttSession is the real one.
#include <cstddef>
#include <string>

#include "common/error.hpp"

namespace fleetcast {

struct MqttEvent {
    enum class Kind { Message, Connected, ConnectionLost, Delivered };
    Kind kind = Kind::Message;
    int tag = 0;  // which session (a simulator runs many)
    std::string topic;
    std::string payload;
    bool retained = false;
};

class Transport {
public:
    virtual ~Transport() = default;
    // QoS 1 always. Buffered while disconnected (auto-reconnect resends).
    virtual Status publish(const std::string& topic, std::string payload, bool retained = false) = 0;
    // Remembered and renewed on every reconnect.
    virtual Status subscribe(const std::string& filter) = 0;
    virtual Status unsubscribe(const std::string& filter) = 0;
    // QoS 1 publishes not yet acknowledged by the broker: used for pacing.
    virtual std::size_t in_flight() const = 0;
    virtual bool connected() const = 0;
};

}  // namespace fleetcast
