#include "gateway/fanout_plans.hpp"

#include <algorithm>

namespace fleetcast::gateway {

FanoutPlans::Plan& FanoutPlans::plan(const FanoutKey& key, TimePoint now) {
    auto [it, inserted] = plans_.try_emplace(key);
    if (inserted) it->second.first_offer = now;
    return it->second;
}

void FanoutPlans::offered(const FanoutKey& key, const std::string& device, TimePoint now) {
    plan(key, now).offered.insert(device);
}

FanoutPlans::Phase FanoutPlans::ready(const FanoutKey& key, const std::string& device, TimePoint now) {
    auto& p = plan(key, now);
    p.offered.insert(device);  // e.g. an offer made before a gateway restart
    p.ready.insert(device);
    return p.phase;
}

void FanoutPlans::withdraw(const std::string& campaign, const std::string& device) {
    for (auto it = plans_.lower_bound({campaign, ""}); it != plans_.end() && it->first.first == campaign; ++it) {
        it->second.offered.erase(device);
        it->second.ready.erase(device);
    }
}

std::vector<FanoutKey> FanoutPlans::unattended(const std::string& campaign) const {
    std::vector<FanoutKey> out;
    for (auto it = plans_.lower_bound({campaign, ""}); it != plans_.end() && it->first.first == campaign; ++it)
        if (it->second.phase == Phase::Sending && it->second.offered.empty() && it->second.ready.empty())
            out.push_back(it->first);
    return out;
}

std::vector<FanoutKey> FanoutPlans::due(TimePoint now, Millis ready_timeout) {
    std::vector<FanoutKey> out;
    for (auto& [key, p] : plans_) {
        if (p.phase != Phase::Waiting || p.ready.empty()) continue;
        bool all_ready = std::includes(p.ready.begin(), p.ready.end(), p.offered.begin(), p.offered.end());
        if (all_ready || now - p.first_offer >= ready_timeout) {
            p.phase = Phase::Sending;
            out.push_back(key);
        }
    }
    return out;
}

std::vector<std::string> FanoutPlans::finished(const FanoutKey& key) {
    auto it = plans_.find(key);
    if (it == plans_.end()) return {};
    it->second.phase = Phase::Done;
    return {it->second.ready.begin(), it->second.ready.end()};
}

void FanoutPlans::forget_campaign(const std::string& campaign) {
    for (auto it = plans_.lower_bound({campaign, ""}); it != plans_.end() && it->first.first == campaign;)
        it = plans_.erase(it);
}

}  // namespace fleetcast::gateway
