#include "tests/support/observer.hpp"

#include <stdexcept>

namespace fleetcast::testing {

namespace {
MqttOptions plain_options(const std::string& uri, const std::string& client_id) {
    MqttOptions o;
    o.uri = uri;
    o.client_id = client_id;
    return o;
}
}  // namespace

Observer::Observer(const std::string& uri, const std::string& client_id) : Observer(plain_options(uri, client_id)) {}

Observer::Observer(MqttOptions o) {
    o.clean_session = true;
    session_ = std::make_unique<MqttSession>(o, queue_);
    auto st = session_->start();
    if (!st) throw std::runtime_error(st.error().str());
    st = session_->wait_connected(std::chrono::seconds(10));
    if (!st) throw std::runtime_error(st.error().str());
    thread_ = std::thread([this] {
        while (!stop_) {
            auto ev = queue_.pop_for(std::chrono::milliseconds(50));
            if (!ev || ev->kind != MqttEvent::Kind::Message) continue;
            std::lock_guard lock(mu_);
            auto& s = stats_[ev->topic];
            auto now = std::chrono::system_clock::now();
            if (s.messages == 0) s.first_at = now;
            s.last_at = now;
            s.messages++;
            s.bytes += ev->payload.size();
            s.last_payload = ev->payload;
            for (const auto& prefix : keep_prefixes_)
                if (ev->topic.rfind(prefix, 0) == 0) {
                    kept_.push_back({ev->topic, ev->payload, now});
                    break;
                }
        }
    });
}

Observer::~Observer() {
    stop_ = true;
    session_->stop();
    queue_.close();
    thread_.join();
}

void Observer::subscribe(const std::string& filter) {
    auto st = session_->subscribe(filter);
    if (!st) throw std::runtime_error(st.error().str());
}

void Observer::publish(const std::string& topic, const std::string& payload, bool retained) {
    auto st = session_->publish(topic, payload, retained);
    if (!st) throw std::runtime_error(st.error().str());
}

void Observer::keep(const std::string& prefix) {
    std::lock_guard lock(mu_);
    keep_prefixes_.push_back(prefix);
}

std::vector<Observer::Received> Observer::kept() const {
    std::lock_guard lock(mu_);
    return kept_;
}

std::map<std::string, Observer::TopicStats> Observer::stats() const {
    std::lock_guard lock(mu_);
    return stats_;
}

std::optional<std::string> Observer::last_payload(const std::string& topic) const {
    std::lock_guard lock(mu_);
    auto it = stats_.find(topic);
    if (it == stats_.end()) return std::nullopt;
    return it->second.last_payload;
}

bool Observer::wait_for(const std::function<bool(const std::map<std::string, TopicStats>&)>& pred,
                        std::chrono::milliseconds timeout) const {
    return eventually([&] { return pred(stats()); }, timeout);
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (pred()) return true;
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

}  // namespace fleetcast::testing
