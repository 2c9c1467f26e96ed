#pragma once
// The operator CLI's MQTT side: a clean session with a unique client id, a
// subscription to its own response topic, and request() that publishes one
// request and waits for the response with the same req_id.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "common/blocking_queue.hpp"
#include "common/messages.hpp"
#include "common/mqtt_session.hpp"
#include "common/outbox_transport.hpp"

namespace fleetcast::cli {

class RequestClient {
   public:
    // Connects (waiting at most `timeout`) and subscribes to the response topic.
    static Expected<std::unique_ptr<RequestClient>> connect(MqttOptions options, std::chrono::milliseconds timeout);
    ~RequestClient();

    // Sends `op` with `args`; the response, or a timeout error.
    Expected<OperatorResponse> request(const std::string& op, const Json& args);

   private:
    RequestClient(MqttOptions options, std::chrono::milliseconds timeout);
    Status wait_manager_online();
    // Remembers the manager's retained state when `event` carries it.
    void note_manager_state(const MqttEvent& event);
    // What the retained mgr/state last said, for a timeout message.
    std::string manager_state_text() const;
    std::chrono::milliseconds timeout_;
    std::string client_id_;
    std::string identity_;  // common/broker_identity.hpp
    std::uint64_t next_request_ = 1;
    std::optional<ProcessState> manager_state_;
    BlockingQueue<MqttEvent> queue_;
    MqttSession session_;
    Outbox outbox_;
    OutboxTransport out_{outbox_, session_};
};

// cli-{pid}-{random hex}: unique per invocation, a valid id.
std::string make_client_id();

}  // namespace fleetcast::cli
