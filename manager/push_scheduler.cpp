#include "manager/push_scheduler.hpp"

#include <map>

#include "common/log.hpp"

namespace fleetcast::manager {

Status PushScheduler::tick() {
    auto campaigns = store_.campaigns_in_state(kCampaignActive);
    if (!campaigns) return campaigns.error();
    const auto now = clock_.now();
    for (const auto& c : *campaigns) {
        if (c.mode != TransferMode::Push || !c.transmit_at || *c.transmit_at > now || done_.count(c.id)) continue;
        auto st = push_campaign(c);
        if (!st) return st;
        done_.insert(c.id);
    }
    return ok_status();
}

Status PushScheduler::push_campaign(const CampaignRecord& c) {
    auto targets = store_.targets(c.id);
    if (!targets) return targets.error();
    std::map<std::string, std::set<std::string>> needed;  // gateway -> fw ids
    for (const auto& t : *targets)
        if (!is_terminal(t.state)) needed[t.gateway].insert(t.fw_ids.begin(), t.fw_ids.end());
    for (const auto& [gw, fw_ids] : needed) {
        for (const auto& fw : fw_ids) {
            auto has = store_.cached_or_pushed(gw, fw);
            if (!has) return has.error();
            if (*has) continue;
            auto m = repo_.find(fw);
            if (!m) return m.error();
            if (!*m) continue;
            auto st = store_.record_push(gw, fw, c.id, clock_.now());
            if (!st) return st;
            chunks_.push_image(gw, **m);
            log_info("manager", "push_started")
                .kv("campaign", c.id)
                .kv("gateway", gw)
                .kv("fw", fw)
                .kv("chunks", (*m)->chunk_count);
        }
    }
    return ok_status();
}

}  // namespace fleetcast::manager
