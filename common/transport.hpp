#pragma once
// What the program logic needs from MQTT, as an interface so logic classes can
// be driven in unit tests without a network. MqttSession is the real one.
#include <cstddef>
#include <string>
#include <utility>

#include "common/error.hpp"

namespace fleetcast {

struct MqttEvent {
    enum class Kind { Message, Connected, ConnectionLost, Delivered };
    Kind kind = Kind::Message;
    int tag = 0;  // which session (a simulator runs many)
    std::string topic;
    std::string payload;
    bool retained = false;
    // Connected only: the broker kept no session for us (or it is not known,
    // see MqttSession::on_connected), so what we own retained may be gone too.
    bool session_lost = false;
};

class Transport {
   public:
    virtual ~Transport() = default;
    // QoS 1 always. Buffered while disconnected (auto-reconnect resends).
    virtual Status publish(const std::string& topic, std::string payload, bool retained = false) = 0;
    // Remembered and renewed on every reconnect.
    virtual Status subscribe(const std::string& filter) = 0;
    virtual Status unsubscribe(const std::string& filter) = 0;
    // The same, straight from a topic builder (topics.hpp): a topic its ids
    // could not make is not sent and its error is the result, so the caller's
    // failure handling logs it with the ids. Implementations add
    // `using Transport::publish;` (and subscribe, unsubscribe) to keep these.
    Status publish(const Expected<std::string>& topic, std::string payload, bool retained = false) {
        if (!topic) return topic.error();
        return publish(*topic, std::move(payload), retained);
    }
    Status subscribe(const Expected<std::string>& filter) {
        if (!filter) return filter.error();
        return subscribe(*filter);
    }
    Status unsubscribe(const Expected<std::string>& filter) {
        if (!filter) return filter.error();
        return unsubscribe(*filter);
    }
    // QoS 1 publishes not yet acknowledged by the broker: used for pacing.
    virtual std::size_t in_flight() const = 0;
    virtual bool connected() const = 0;
};

}  // namespace fleetcast
