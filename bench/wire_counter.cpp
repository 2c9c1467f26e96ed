#include "bench/wire_counter.hpp"

#include <mqtt/async_client.h>

#include <stdexcept>

#include "common/messages.hpp"
#include "common/topics.hpp"

namespace fleetcast::bench {

class WireCounter::Callback final : public mqtt::callback {
   public:
    explicit Callback(WireCounter& w) : w_(w) {}
    void message_arrived(mqtt::const_message_ptr msg) override {
        w_.on_message(msg->get_topic(), msg->get_payload_str());
    }

   private:
    WireCounter& w_;
};

WireCounter::WireCounter(const std::string& uris, const std::string& client_id) {
    // A cluster's node list: the first node (a cluster routes every message to it).
    const std::string uri = uris.substr(0, uris.find(','));
    callback_ = std::make_unique<Callback>(*this);
    client_ = std::make_unique<mqtt::async_client>(uri, client_id, mqtt::create_options(MQTTVERSION_3_1_1));
    client_->set_callback(*callback_);
    auto opts =
        mqtt::connect_options_builder().clean_session(true).keep_alive_interval(std::chrono::seconds(60)).finalize();
    client_->connect(opts)->wait_for(std::chrono::seconds(10));
    if (!client_->is_connected()) throw std::runtime_error("wire counter cannot connect to " + uri);
    std::string root(topics::kRoot);
    for (auto f : {"/gw/+/fw/+/chunk", "/site/+/model/+/fw/+/chunk", "/site/+/dev/+/fw/+/chunk", "/site/+/dev/+/event"})
        client_->subscribe(root + f, 1)->wait_for(std::chrono::seconds(10));
}

WireCounter::~WireCounter() {
    try {
        client_->disconnect()->wait_for(std::chrono::seconds(2));
    } catch (const std::exception&) {
    }
    client_.reset();
}

void WireCounter::on_message(const std::string& topic, const std::string& payload) {
    auto t = topics::parse_topic(topic);
    if (!t) return;
    std::lock_guard lock(mu_);
    auto count = [&](LinkBytes& l) {
        l.messages++;
        l.bytes += payload.size();
        auto& p = per_topic_[topic];
        p.messages++;
        p.bytes += payload.size();
    };
    switch (t->kind) {
        case topics::Kind::GwChunk: count(up_); break;
        case topics::Kind::SiteModelChunk:
            if (fan_.messages == 0) first_fanout_ = std::chrono::steady_clock::now();
            count(fan_);
            break;
        case topics::Kind::DevChunk: count(repair_); break;
        case topics::Kind::DevEvent: {
            auto e = decode_device_event(payload);
            if (!e) break;
            if (auto* p = std::get_if<PowerOnEvent>(&*e); p && !p->campaign.empty())
                power_on_[p->campaign].try_emplace(t->device, std::chrono::steady_clock::now());
            if (auto* p = std::get_if<ProgressEvent>(&*e)) {
                phases_.try_emplace({t->device, p->phase}, std::chrono::steady_clock::now());
                if (p->phase == "receiving") progress_[t->device] = std::max(progress_[t->device], p->percent);
            }
            break;
        }
        default: break;
    }
}

LinkBytes WireCounter::manager_to_gateway() const {
    std::lock_guard lock(mu_);
    return up_;
}
LinkBytes WireCounter::fanout() const {
    std::lock_guard lock(mu_);
    return fan_;
}
LinkBytes WireCounter::repairs() const {
    std::lock_guard lock(mu_);
    return repair_;
}
std::map<std::string, LinkBytes> WireCounter::per_topic() const {
    std::lock_guard lock(mu_);
    return per_topic_;
}
std::size_t WireCounter::power_ons(const std::string& campaign) const {
    std::lock_guard lock(mu_);
    auto it = power_on_.find(campaign);
    return it == power_on_.end() ? 0 : it->second.size();
}
std::chrono::steady_clock::time_point WireCounter::last_power_on(const std::string& campaign) const {
    std::lock_guard lock(mu_);
    std::chrono::steady_clock::time_point last{};
    auto it = power_on_.find(campaign);
    if (it != power_on_.end())
        for (const auto& [d, t] : it->second) last = std::max(last, t);
    return last;
}
std::chrono::steady_clock::time_point WireCounter::first_fanout_at() const {
    std::lock_guard lock(mu_);
    return first_fanout_;
}
std::uint32_t WireCounter::progress(const std::string& device) const {
    std::lock_guard lock(mu_);
    auto it = progress_.find(device);
    return it == progress_.end() ? 0 : it->second;
}
std::optional<std::chrono::steady_clock::time_point> WireCounter::phase_at(const std::string& device,
                                                                           const std::string& phase) const {
    std::lock_guard lock(mu_);
    auto it = phases_.find({device, phase});
    if (it == phases_.end()) return std::nullopt;
    return it->second;
}
void WireCounter::reset() {
    std::lock_guard lock(mu_);
    per_topic_.clear();
    up_ = fan_ = repair_ = {};
    power_on_.clear();
    first_fanout_ = {};
    progress_.clear();
    phases_.clear();
}

}  // namespace fleetcast::bench
