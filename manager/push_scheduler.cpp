#include "manager/push_scheduler.hpp"

#include <map>

#include "common/log.hpp"
#include "common/maintenance_window.hpp"
#include "manager/campaign_planner.hpp"

namespace fleetcast::manager {

Status PushScheduler::tick() {
    auto campaigns = store_.campaigns_in_state(kCampaignActive);
    if (!campaigns) return campaigns.error();
    const auto now = clock_.now();
    for (const auto& c : *campaigns) {
        // Issue 16 item 2: pushed again when a wave opens, to the gateways it released.
        const std::string key = c.waves ? c.id + "/" + std::to_string(c.waves->open) : c.id;
        if (c.mode != TransferMode::Push || !c.transmit_at || *c.transmit_at > now || done_.count(key)) continue;
        if (auto r = retry_at_.find(key); r != retry_at_.end() && r->second > now) continue;
        auto all = push_campaign(c, key, now);
        if (!all) return all.error();
        if (*all) done_.insert(key);
    }
    return ok_status();
}

Expected<bool> PushScheduler::push_campaign(const CampaignRecord& c, const std::string& key, TimePoint now) {
    auto targets = store_.targets(c.id);
    if (!targets) return targets.error();
    auto windows = store_.gateway_windows();
    if (!windows) return windows.error();
    std::optional<TimePoint> retry;
    std::set<std::string> unreleased;  // issue 16 item 2: no image for a gateway before one of its devices' wave
    if (c.waves) {
        auto held = store_.unreleased_devices(c.id, std::nullopt);
        if (!held) return held.error();
        unreleased = std::move(*held);
    }
    auto firmware = store_.list_firmware();
    if (!firmware) return firmware.error();
    std::vector<FirmwareManifest> manifests;
    for (const auto& r : *firmware) manifests.push_back(r.manifest);
    // Issue 17: what the schedule lists for each device (its delta where there is one).
    std::map<std::string, std::set<std::string>> needed;  // gateway -> fw ids
    for (const auto& t : *targets)
        if (!is_terminal(t.state) && !unreleased.count(t.device)) {
            const auto artifacts = artifacts_for(t, manifests);
            needed[t.gateway].insert(artifacts.begin(), artifacts.end());
        }
    for (const auto& [gw, fw_ids] : needed) {
        if (auto w = windows->find(gw); w != windows->end()) {
            auto parsed = parse_window(w->second.window, w->second.tz);
            if (parsed && !window_open(*parsed, now)) {
                const TimePoint opens = next_open_time(*parsed, now);
                retry = retry ? std::min(*retry, opens) : opens;
                log_info("manager", "push_waits_for_window")
                    .kv("campaign", c.id)
                    .kv("gateway", gw)
                    .kv("opens", format_time(opens));
                continue;
            }
        }
        for (const auto& fw : fw_ids) {
            auto has = store_.cached_or_pushed(gw, fw);
            if (!has) return has.error();
            if (*has) continue;
            auto m = repo_.find(fw);
            if (!m) return m.error();
            if (!*m) continue;
            auto st = store_.record_push(gw, fw, c.id, clock_.now());
            if (!st) return st.error();
            chunks_.push_image(gw, **m);
            log_info("manager", "push_started")
                .kv("campaign", c.id)
                .kv("gateway", gw)
                .kv("fw", fw)
                .kv("chunks", (*m)->chunk_count);
        }
    }
    if (retry) retry_at_[key] = *retry;
    else retry_at_.erase(key);
    return !retry;
}

}  // namespace fleetcast::manager
