#pragma once
// When to fan an image out (topics.md flow step 4): per (campaign, image), the
// devices it was offered to and those that answered ready. A fan-out starts
// once every offered device is ready, or when the ready timeout since the
// first offer passed and at least one device is ready (nobody listening means
// nothing to multicast to). After it ended, a late ready is answered at once.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "gateway/fanout_sender.hpp"

namespace fleetcast::gateway {

class FanoutPlans {
public:
    enum class Phase { Waiting, Sending, Done };

    void offered(const FanoutKey& key, const std::string& device, TimePoint now);
    // Records a ready answer; returns the phase of the plan (Done: the device
    // should get fanout_done right away).
    Phase ready(const FanoutKey& key, const std::string& device, TimePoint now);
    // The device no longer takes part (its job ended).
    void withdraw(const std::string& campaign, const std::string& device);
    // The campaign's fan-outs still sending with no device left offered or
    // ready (e.g. the only one was suspended): nothing needs them.
    std::vector<FanoutKey> unattended(const std::string& campaign) const;
    // Plans that should start sending now; they move to Sending.
    std::vector<FanoutKey> due(TimePoint now, Millis ready_timeout);
    // A fan-out ended: the plan is Done; returns the devices that were ready.
    std::vector<std::string> finished(const FanoutKey& key);
    void forget_campaign(const std::string& campaign);

private:
    struct Plan {
        Phase phase = Phase::Waiting;
        TimePoint first_offer{};
        std::set<std::string> offered;
        std::set<std::string> ready;
    };
    Plan& plan(const FanoutKey& key, TimePoint now);
    std::map<FanoutKey, Plan> plans_;
};

}  // namespace fleetcast::gateway
