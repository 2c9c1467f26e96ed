#include "common/outbox_transport.hpp"

#include "common/log.hpp"

namespace fleetcast {

Outbox::Outbox() : thread_([this] { run(); }) {}

Outbox::~Outbox() { flush_and_stop(); }

void Outbox::post(std::function<void()> op) {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    ops_.push_back(std::move(op));
    cv_.notify_one();
}

void Outbox::flush_and_stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        cv_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
}

void Outbox::run() {
    std::unique_lock lock(mu_);
    while (true) {
        cv_.wait(lock, [&] { return stopping_ || !ops_.empty(); });
        if (ops_.empty()) return;  // stopping and flushed
        auto op = std::move(ops_.front());
        ops_.pop_front();
        lock.unlock();
        op();
        lock.lock();
    }
}

namespace {
void log_failure(const Status& st, const char* what, const std::string& topic) {
    if (!st) log_warn("mqtt", "outbox_failed").kv("op", what).kv("topic", topic).kv("error", st.error().str());
}
}  // namespace

Status OutboxTransport::publish(const std::string& topic, std::string payload, bool retained) {
    ++queued_;
    outbox_.post([this, topic, payload = std::move(payload), retained]() mutable {
        log_failure(session_.publish(topic, std::move(payload), retained), "publish", topic);
        --queued_;
    });
    return ok_status();
}

Status OutboxTransport::subscribe(const std::string& filter) {
    outbox_.post([this, filter] { log_failure(session_.subscribe(filter), "subscribe", filter); });
    return ok_status();
}

Status OutboxTransport::unsubscribe(const std::string& filter) {
    outbox_.post([this, filter] { log_failure(session_.unsubscribe(filter), "unsubscribe", filter); });
    return ok_status();
}

}  // namespace fleetcast
