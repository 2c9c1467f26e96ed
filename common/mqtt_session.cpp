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
        s_.ready_ = false;
        log_warn("mqtt", "connection_lost").kv("client", s_.options_.client_id).kv("cause", cause);
        s_.sink_.push(MqttEvent{MqttEvent::Kind::ConnectionLost, s_.tag_, {}, {}, false}, s_.urgent_);
    }
    void message_arrived(mqtt::const_message_ptr msg) override {
        s_.sink_.push(
            MqttEvent{MqttEvent::Kind::Message, s_.tag_, msg->get_topic(), msg->get_payload_str(), msg->is_retained()},
            s_.urgent_);
    }
    void delivery_complete(mqtt::delivery_token_ptr) override {
        if (s_.in_flight_ > 0) --s_.in_flight_;
        s_.sink_.push(MqttEvent{MqttEvent::Kind::Delivered, s_.tag_, {}, {}, false}, s_.urgent_);
    }

   private:
    MqttSession& s_;
};

// The connect call's own listener: the only place Paho hands over the CONNACK's
// session-present flag (token::get_connect_response). It runs before the
// connected() callback of the same connection.
class MqttSession::ConnectListener final : public mqtt::iaction_listener {
   public:
    explicit ConnectListener(MqttSession& s) : s_(s) {}
    void on_success(const mqtt::token& tok) override {
        try {
            s_.first_session_present_ = tok.get_connect_response().is_session_present() ? 1 : 0;
        } catch (const std::exception&) {
        }
    }
    void on_failure(const mqtt::token&) override {}

   private:
    MqttSession& s_;
};

// The SUBACKs of one connection's subscriptions: when the last one arrives the
// session reports Connected, so a program that announces itself on Connected
// (its retained online state) already hears the answers. A broker cluster
// may take a while to bind a subscription (RabbitMQ creates a quorum queue).
class MqttSession::SubscribeListener final : public mqtt::iaction_listener {
   public:
    explicit SubscribeListener(MqttSession& s) : s_(s) {}
    // A new connection: `n` SUBACKs to wait for, tokens carry `generation`.
    void expect(std::uintptr_t generation, int n) {
        generation_ = generation;
        pending_ = n;
    }
    void release(std::uintptr_t generation) {
        if (generation != generation_.load()) return;  // a SUBACK of an earlier connection
        if (--pending_ == 0) s_.report_connected();
    }
    void on_success(const mqtt::token& tok) override { done(tok); }
    void on_failure(const mqtt::token& tok) override {
        log_error("mqtt", "subscribe_failed").kv("client", s_.options_.client_id).kv("code", tok.get_return_code());
        done(tok);
    }

   private:
    void done(const mqtt::token& tok) { release(reinterpret_cast<std::uintptr_t>(tok.get_user_context())); }
    MqttSession& s_;
    std::atomic<std::uintptr_t> generation_{0};
    std::atomic<int> pending_{0};
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
    // Paho C calls the connect's onSuccess once only (MQTTAsync.c sets it to
    // NULL after the first CONNACK), so after an automatic reconnect the
    // session-present flag is not available: then assume the broker kept
    // nothing. What a program does about a lost session (re-publish what it
    // retains) is idempotent, so assuming wrongly costs only traffic.
    bool session_lost = true;
    if (!connected_once_) session_lost = first_session_present_.load() != 1;
    connected_once_ = true;
    session_lost_ = session_lost;
    try {
        in_flight_ = client_->get_pending_delivery_tokens().size();
    } catch (const std::exception&) {
    }
    connected_ = true;
    // Subscriptions are renewed on every connection: a broker that lost the
    // session lost them too, and Paho's reconnect does not subscribe again.
    // Connected is reported once the broker acknowledged them all.
    std::vector<std::string> filters;
    {
        std::lock_guard lock(subs_mu_);
        filters.assign(subscriptions_.begin(), subscriptions_.end());
    }
    const auto generation = ++connection_generation_;
    subscribe_listener_->expect(generation, static_cast<int>(filters.size()) + 1);
    for (const auto& f : filters) {
        try {
            client_->subscribe(f, 1, reinterpret_cast<void*>(generation), *subscribe_listener_);
        } catch (const std::exception& e) {
            log_error("mqtt", "resubscribe_failed")
                .kv("client", options_.client_id)
                .kv("filter", f)
                .kv("error", e.what());
        }
    }
    // The extra count: released here, so no subscription (or none answered) still reports.
    subscribe_listener_->release(generation);
}

void MqttSession::report_connected() {
    if (!connected_) return;  // lost again before the SUBACKs: the next connection reports
    ready_ = true;
    MqttEvent e{MqttEvent::Kind::Connected, tag_, {}, {}, false};
    e.session_lost = session_lost_.load();
    log_debug("mqtt", "connected").kv("client", options_.client_id).kv("session_lost", e.session_lost);
    sink_.push(std::move(e), urgent_);
}

Expected<std::vector<std::string>> broker_uris(const std::string& uri) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= uri.size()) {
        auto end = uri.find(',', start);
        if (end == std::string::npos) end = uri.size();
        std::string one = uri.substr(start, end - start);
        while (!one.empty() && one.front() == ' ') one.erase(one.begin());
        while (!one.empty() && one.back() == ' ') one.pop_back();
        bool known = false;
        for (const char* scheme : {"tcp://", "ssl://", "mqtt://", "mqtts://"})
            if (one.rfind(scheme, 0) == 0 && one.size() > std::string_view(scheme).size()) known = true;
        if (!known)
            return make_error("bad_args", "broker URI '" + one + "' in '" + uri +
                                              "' is not tcp://, ssl://, mqtt:// or mqtts://HOST:PORT");
        out.push_back(std::move(one));
        start = end + 1;
    }
    return out;
}

Status MqttSession::start() {
    auto uris = broker_uris(options_.uri);
    if (!uris) return uris.error();
    try {
        mqtt::create_options copts(MQTTVERSION_3_1_1, 100000);
        copts.set_send_while_disconnected(true, true);
        client_ = std::make_unique<mqtt::async_client>(uris->front(), options_.client_id, copts, nullptr);
        callback_ = std::make_unique<Callback>(*this);
        connect_listener_ = std::make_unique<ConnectListener>(*this);
        subscribe_listener_ = std::make_unique<SubscribeListener>(*this);
        client_->set_callback(*callback_);

        auto builder = mqtt::connect_options_builder()
                           .mqtt_version(MQTTVERSION_3_1_1)
                           .clean_session(options_.clean_session)
                           .keep_alive_interval(std::chrono::seconds(options_.keep_alive_s))
                           .connect_timeout(std::chrono::seconds(10))
                           .automatic_reconnect(std::chrono::milliseconds(250), std::chrono::seconds(8))
                           .max_inflight(options_.max_inflight);
        // Several nodes: the first connect tries each in turn, and so does every reconnect.
        if (uris->size() > 1) builder.servers(std::make_shared<mqtt::string_collection>(*uris));
        if (options_.will_topic) builder.will(mqtt::message(*options_.will_topic, options_.will_payload, 1, true));
        if (!options_.username.empty()) builder.user_name(options_.username).password(options_.password);
        if (!options_.ca_file.empty()) {
            auto ssl = mqtt::ssl_options_builder().trust_store(options_.ca_file).enable_server_cert_auth(true);
            if (!options_.cert_file.empty()) ssl.key_store(options_.cert_file);
            if (!options_.key_file.empty()) ssl.private_key(options_.key_file);
            builder.ssl(ssl.finalize());
        }
        client_->connect(builder.finalize(), nullptr, *connect_listener_);
    } catch (const std::exception& e) {
        return make_error("mqtt", "connect " + options_.uri + " as " + options_.client_id + ": " + e.what());
    }
    return ok_status();
}

Status MqttSession::wait_connected(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!ready_) {
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
    ready_ = false;
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
