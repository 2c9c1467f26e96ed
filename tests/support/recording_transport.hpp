#pragma once
// A Transport for unit tests of program logic: records what the logic
// publishes and subscribes to. Integration tests use the real broker instead.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "common/transport.hpp"

namespace fleetcast::testing {

struct Published {
    std::string topic;
    std::string payload;
    bool retained = false;
};

class RecordingTransport final : public Transport {
   public:
    using Transport::publish;
    using Transport::subscribe;
    using Transport::unsubscribe;
    Status publish(const std::string& topic, std::string payload, bool retained) override {
        published.push_back({topic, std::move(payload), retained});
        return ok_status();
    }
    Status subscribe(const std::string& filter) override {
        subscriptions.insert(filter);
        return ok_status();
    }
    Status unsubscribe(const std::string& filter) override {
        subscriptions.erase(filter);
        return ok_status();
    }
    // Tests set this to hold senders back (a full publish window).
    std::size_t in_flight() const override { return held_in_flight; }
    bool connected() const override { return true; }

    std::vector<Published> on_topic(const std::string& topic) const {
        std::vector<Published> out;
        std::copy_if(published.begin(), published.end(), std::back_inserter(out),
                     [&](const Published& p) { return p.topic == topic; });
        return out;
    }
    void clear() { published.clear(); }

    std::vector<Published> published;
    std::set<std::string> subscriptions;
    std::size_t held_in_flight = 0;
};

}  // namespace fleetcast::testing
