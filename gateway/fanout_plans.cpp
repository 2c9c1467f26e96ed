#include "gateway/fanout_plans.hpp"

#include <algorithm>

namespace fleetcast::gateway {

FanoutPlans::Plan& FanoutPlans::plan(const FanoutKey& key, TimePoint now) {
    auto [it, inserted] = plans_.try_emplace(key);
    if (inserted) it->second.first_offer = now;
    return it->second;
}

void FanoutPlans::offered(const FanoutKey& key, const std::string& device, TimePoint now) {
    auto& p = plan(key, now);
    p.offered.insert(device);
    p.last_change = now;
}

FanoutPlans::Phase FanoutPlans::ready(const FanoutKey& key, const std::string& device, TimePoint now,
                                      std::uint32_t chunk_count, const std::vector<ChunkRange>* missing) {
    auto& p = plan(key, now);
    p.offered.insert(device);  // e.g. an offer made before a gateway restart
    p.last_change = now;
    if (!p.ready.insert(device).second) return p.phase;  // a duplicate answer adds nothing
    if (p.phase != Phase::Waiting) return p.phase;       // joins a running fan-out, or repairs after it
    p.needed.resize(chunk_count, false);
    if (!missing) {
        std::fill(p.needed.begin(), p.needed.end(), true);
        return p.phase;
    }
    for (const auto& r : *missing)
        for (std::uint32_t i = r.first; i <= r.last && i < chunk_count; ++i) p.needed[i] = true;
    return p.phase;
}

bool FanoutPlans::awaiting(const FanoutKey& key, const std::string& device) const {
    auto it = plans_.find(key);
    return it != plans_.end() && it->second.phase == Phase::Waiting && it->second.ready.count(device);
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

std::vector<FanoutPlans::Start> FanoutPlans::due(TimePoint now, Millis ready_timeout, Millis max_wait) {
    std::vector<Start> out;
    for (auto& [key, p] : plans_) {
        if (p.phase != Phase::Waiting || p.ready.empty()) continue;
        bool all_ready = std::includes(p.ready.begin(), p.ready.end(), p.offered.begin(), p.offered.end());
        bool quiet = now - p.last_change >= ready_timeout;
        bool waited_enough = now - p.first_offer >= max_wait;
        if (all_ready || quiet || waited_enough) {
            p.phase = Phase::Sending;
            out.push_back({key, p.needed});
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

void FanoutPlans::reset_all() { plans_.clear(); }

}  // namespace fleetcast::gateway
