#pragma once
// Keeps the loop thread out of Paho. Paho delivers messages on its receive
// thread while holding its own lock, and MqttSession's callback blocks there
// when the program's queue is full (that is the back-pressure). A loop thread
// that then calls publish() waits for the same lock: deadlock. So a program
// loop only posts publish/subscribe/unsubscribe to an Outbox; one sender
// thread performs them in order and may wait on Paho while the loop keeps
// draining the queue.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "common/mqtt_session.hpp"
#include "common/transport.hpp"

namespace fleetcast {

class Outbox {
   public:
    Outbox();
    ~Outbox();
    Outbox(const Outbox&) = delete;
    Outbox& operator=(const Outbox&) = delete;
    void post(std::function<void()> op);
    // Runs what is queued, then stops the sender thread. Later posts are dropped.
    void flush_and_stop();

   private:
    void run();
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> ops_;
    bool stopping_ = false;
    std::thread thread_;
};

class OutboxTransport final : public Transport {
   public:
    OutboxTransport(Outbox& outbox, MqttSession& session) : outbox_(outbox), session_(session) {}
    using Transport::publish;
    using Transport::subscribe;
    using Transport::unsubscribe;
    Status publish(const std::string& topic, std::string payload, bool retained = false) override;
    Status subscribe(const std::string& filter) override;
    Status unsubscribe(const std::string& filter) override;
    std::size_t in_flight() const override { return session_.in_flight() + queued_.load(); }
    bool connected() const override { return session_.connected(); }

   private:
    Outbox& outbox_;
    MqttSession& session_;
    std::atomic<std::size_t> queued_{0};
};

}  // namespace fleetcast
