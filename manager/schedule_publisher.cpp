#include "manager/schedule_publisher.hpp"

#include <algorithm>
#include <set>

#include "common/log.hpp"
#include "common/topics.hpp"
#include "manager/campaign_planner.hpp"

namespace fleetcast::manager {

Expected<std::vector<FirmwareManifest>> SchedulePublisher::manifests() {
    auto all = store_.list_firmware();
    if (!all) return all.error();
    std::vector<FirmwareManifest> out;
    for (auto& r : *all) out.push_back(std::move(r.manifest));
    return out;
}

Status SchedulePublisher::publish(const CampaignRecord& campaign, const std::vector<TargetRecord>& targets) {
    auto firmware = manifests();
    if (!firmware) return firmware.error();
    for (auto& [gw, schedule] : schedules_for(campaign, targets, *firmware)) {
        auto st = sign_firmware(schedule);
        if (!st) return st;
        st = transport_.publish(topics::gw_schedule(gw, campaign.id), encode(schedule), true);
        if (!st) return st;
        log_info("manager", "schedule_published")
            .kv("campaign", campaign.id)
            .kv("gateway", gw)
            .kv("devices", schedule.devices.size())
            .kv("firmware", schedule.firmware.size())
            .kv("mode", to_string(schedule.mode))
            .kv("update_at", format_time(schedule.update_at));
    }
    return ok_status();
}

Status SchedulePublisher::sign_firmware(Schedule& schedule) {
    auto now = clock_.now();
    auto until = schedule.expires_at ? *schedule.expires_at : std::max(now, schedule.update_at) + signer_.validity();
    for (auto& m : schedule.firmware) {
        auto fresh = signer_.fresh(m, now, until);
        if (!fresh) return fresh.error();
        m = std::move(*fresh);
    }
    return ok_status();
}

Status SchedulePublisher::settle(const std::string& campaign, const std::string& gateway) {
    // Two index lookups per ended job: a campaign of 100,000 targets settles
    // without reading its targets 100,000 times.
    auto open_here = store_.open_targets(campaign, gateway);
    if (!open_here) return open_here.error();
    if (*open_here == 0) {
        // An empty retained message removes the schedule from the broker.
        auto st = transport_.publish(topics::gw_schedule(gateway, campaign), std::string(), true);
        if (!st) return st;
        log_info("manager", "schedule_cleared").kv("campaign", campaign).kv("gateway", gateway);
    }
    auto open_all = *open_here == 0 ? store_.open_targets(campaign, std::nullopt) : Expected<std::uint64_t>(*open_here);
    if (!open_all) return open_all.error();
    if (*open_all == 0) {
        auto c = store_.find_campaign(campaign);
        if (!c) return c.error();
        if (*c && (*c)->state != kCampaignEnded) {
            auto st = store_.set_campaign_state(campaign, kCampaignEnded);
            if (!st) return st;
            auto counts = store_.target_state_counts(campaign);
            if (!counts) return counts.error();
            std::uint64_t total = 0;
            for (const auto& [state, n] : *counts) total += n;
            log_info("manager", "campaign_ended")
                .kv("campaign", campaign)
                .kv("targets", total)
                .kv("completed", (*counts)[JobState::Completed]);
        }
    }
    return ok_status();
}

Status SchedulePublisher::republish_active() {
    auto firmware = manifests();
    if (!firmware) return firmware.error();
    for (const auto& m : *firmware) {
        auto st = transport_.publish(topics::fw_manifest(m.fw_id), encode(m), true);
        if (!st) return st;
    }
    auto campaigns = store_.campaigns_in_state(kCampaignActive);
    if (!campaigns) return campaigns.error();
    for (const auto& c : *campaigns) {
        auto targets = store_.targets(c.id);
        if (!targets) return targets.error();
        std::set<std::string> running;
        for (const auto& t : *targets)
            if (!is_terminal(t.state)) running.insert(t.gateway);
        std::vector<TargetRecord> still;
        std::copy_if(targets->begin(), targets->end(), std::back_inserter(still),
                     [&](const TargetRecord& t) { return running.count(t.gateway) > 0; });
        auto st = publish(c, still);
        if (!st) return st;
    }
    return ok_status();
}

}  // namespace fleetcast::manager
