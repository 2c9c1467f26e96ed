#include "common/mqtt_session.hpp"

#include <mqtt/async_client.h>

#include <thread>

#include "common/log.hpp"

namespace fleetcast {

class MqttSession::Callback final : public mqtt::callback {
public:
    explicit Callback(MqttSession& s) : s_(s) {}
    void connected(const std::string&) override { s_.on_connected(); }
    void connection_lost(const std::string& cause) override {
        s_.connected_ = false;
        log_warn("mqtt", "connection_lost").kv("client", s_.options_.client_id).kv("cause", cause);
        s_.sink_.push(MqttEvent{MqttEvent::Kind::ConnectionLost, s_.tag_, {}, {}, false}, s_.urgent_);
    }
    void message_arrived(mqtt::const_message_ptr msg) override {
        s_.sink_.push(MqttEvent{MqttEvent::Kind::Message, s_.tag_, msg->get_topic(), msg->get_payload_str(),
                                msg->is_retained()}, s_.urgent_);
    }
    void delivery_complete(mqtt::delivery_token_ptr) override {
        if (s_.in_flight_ > 0) --s_.in_flight_;
        s_.sink_.push(MqttEvent{MqttEvent::Kind::Delivered, s_.tag_, {}, {}, false}, s_.urgent_);
    }

private:
    MqttSession& s_;
};

MqttSession::MqttSession(MqttOptions options, BlockingQueue<MqttEvent>& sink, int tag, bool urgent)
    : options_(std::move(options)), sink_(sink), tag_(tag), urgent_(urgent) {}

MqttSession::~MqttSession() {
    if (client_) {
        try {
            if (client_->is_connected()) client_->disconnect(0)->wait_for(std::chrono::seconds(2));
        } catch (const std::exception&) {
        }
        client_.reset();  // before callback_, which it points to
    }
}

void MqttSession::on_connected() {
    {
        std::lock_guard lock(subs_mu_);
        for (const auto& f : subscriptions_) {
            try {
                client_->subscribe(f, 1);
            } catch (const std::exception& e) {
                log_error("mqtt", "resubscribe_failed").kv("client", options_.client_id).kv("filter", f).kv("error", e.what());
            }
        }
    }
    try {
        in_flight_ = client_->get_pending_delivery_tokens().size();
    } catch (const std::exception&) {
    }
    connected_ = true;
    sink_.push(MqttEvent{MqttEvent::Kind::Connected, tag_, {}, {}, false}, urgent_);
}

Status MqttSession::start() {
    try {
        mqtt::create_options copts(MQTTVERSION_3_1_1, 100000);
        copts.set_send_while_disconnected(true, true);
        client_ = std::make_unique<mqtt::async_client>(options_.uri, options_.client_id, copts, nullptr);
        callback_ = std::make_unique<Callback>(*this);
        client_->set_callback(*callback_);

        auto builder = mqtt::connect_options_builder()
                           .mqtt_version(MQTTVERSION_3_1_1)
                           .clean_session(options_.clean_session)
                           .keep_alive_interval(std::chrono::seconds(options_.keep_alive_s))
                           .connect_timeout(std::chrono::seconds(10))
                           .automatic_reconnect(std::chrono::milliseconds(250), std::chrono::seconds(8))
                           .max_inflight(options_.max_inflight);
        if (options_.will_topic)
            builder.will(mqtt::message(*options_.will_topic, options_.will_payload, 1, true));
        if (!options_.username.empty()) builder.user_name(options_.username).password(options_.password);
        if (!options_.ca_file.empty()) {
            auto ssl = mqtt::ssl_options_builder().trust_store(options_.ca_file).enable_server_cert_auth(true);
            if (!options_.cert_file.empty()) ssl.key_store(options_.cert_file);
            if (!options_.key_file.empty()) ssl.private_key(options_.key_file);
            builder.ssl(ssl.finalize());
        }
        client_->connect(builder.finalize());
    } catch (const std::exception& e) {
        return make_error("mqtt", "connect " + options_.uri + " as " + options_.client_id + ": " + e.what());
    }
    return ok_status();
}

Status MqttSession::wait_connected(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!connected_) {
        if (std::chrono::steady_clock::now() > deadline)
            return make_error("timeout", "no connection to " + options_.uri + " as " + options_.client_id);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return ok_status();
}

void MqttSession::stop(const std::optional<std::string>& final_state) {
    if (!client_) return;
    try {
        if (final_state && options_.will_topic && client_->is_connected())
            client_->publish(*options_.will_topic, *final_state, 1, true)->wait_for(std::chrono::seconds(2));
        if (client_->is_connected()) client_->disconnect(std::chrono::seconds(2))->wait_for(std::chrono::seconds(3));
    } catch (const std::exception& e) {
        log_warn("mqtt", "disconnect_failed").kv("client", options_.client_id).kv("error", e.what());
    }
    connected_ = false;
}

Status MqttSession::publish(const std::string& topic, std::string payload, bool retained) {
    if (!client_) return make_error("mqtt", "session not started");
    try {
        ++in_flight_;
        client_->publish(mqtt::make_message(topic, std::move(payload), 1, retained));
    } catch (const std::exception& e) {
        if (in_flight_ > 0) --in_flight_;
        return make_error("mqtt", "publish " + topic + ": " + e.what());
    }
    return ok_status();
}

Status MqttSession::subscribe(const std::string& filter) {
    {
        std::lock_guard lock(subs_mu_);
        if (!subscriptions_.insert(filter).second) return ok_status();
    }
    if (!client_ || !connected_) return ok_status();  // on_connected subscribes
    try {
        client_->subscribe(filter, 1);
    } catch (const std::exception& e) {
        return make_error("mqtt", "subscribe " + filter + ": " + e.what());
    }
    return ok_status();
}

Status MqttSession::unsubscribe(const std::string& filter) {
    {
        std::lock_guard lock(subs_mu_);
        if (subscriptions_.erase(filter) == 0) return ok_status();
    }
    if (!client_ || !connected_) return ok_status();
    try {
        client_->unsubscribe(filter);
    } catch (const std::exception& e) {
        return make_error("mqtt", "unsubscribe " + filter + ": " + e.what());
    }
    return ok_status();
}

}  // namespace fleetcast
