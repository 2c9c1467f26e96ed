#include "manager/schedule_publisher.hpp"

#include <algorithm>
#include <set>

#include "common/log.hpp"
#include "common/topics.hpp"
#include "manager/campaign_planner.hpp"

namespace fleetcast::manager {

namespace {
std::vector<std::string> fw_ids_of(const Schedule& s) {
    std::vector<std::string> out;
    for (const auto& m : s.firmware) out.push_back(m.fw_id);
    return out;
}
// In any order: the wire lists devices grouped by model and images (issue 20).
bool same_targets(std::vector<ScheduleTarget> a, std::vector<ScheduleTarget> b) {
    if (a.size() != b.size()) return false;
    auto by_device = [](const ScheduleTarget& x, const ScheduleTarget& y) { return x.device < y.device; };
    std::sort(a.begin(), a.end(), by_device);
    std::sort(b.begin(), b.end(), by_device);
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].device != b[i].device || a[i].model != b[i].model || a[i].fw_ids != b[i].fw_ids) return false;
    return true;
}
}  // namespace

Expected<std::vector<FirmwareManifest>> SchedulePublisher::manifests() {
    auto all = store_.list_firmware();
    if (!all) return all.error();
    std::vector<FirmwareManifest> out;
    for (auto& r : *all) out.push_back(std::move(r.manifest));
    return out;
}

Status SchedulePublisher::publish(const CampaignRecord& campaign, const std::vector<TargetRecord>& targets) {
    return publish_released(campaign, targets, std::nullopt);
}

Status SchedulePublisher::publish_released(const CampaignRecord& campaign, const std::vector<TargetRecord>& targets,
                                           const std::optional<std::string>& gateway) {
    std::vector<TargetRecord> released;
    const std::vector<TargetRecord>* listed = &targets;
    if (campaign.waves && campaign.waves->open < campaign.waves->total()) {
        // Issue 16 item 2: a device is in its gateway's schedule once its wave is open.
        auto held = store_.unreleased_devices(campaign.id, gateway);
        if (!held) return held.error();
        std::copy_if(targets.begin(), targets.end(), std::back_inserter(released),
                     [&](const TargetRecord& t) { return held->count(t.device) == 0; });
        listed = &released;
    }
    auto firmware = manifests();
    if (!firmware) return firmware.error();
    for (auto& [gw, schedule] : schedules_for(campaign, *listed, *firmware)) {
        auto st = sign_firmware(schedule);
        if (!st) return st;
        const auto schedule_topic = topics::gw_schedule(gw, campaign.id);
        if (!schedule_topic) return schedule_topic.error();
        const std::string& topic = *schedule_topic;
        auto payload = encode(schedule);
        auto& kept = published_[topic];
        kept.sha256 = to_hex(sha256(payload));
        st = transport_.publish(topic, std::move(payload), true);
        if (!st) return st;
        // Remembered without the manifests' chunk lists: is_current() compares fw ids only.
        kept.schedule = schedule;
        for (auto& m : kept.schedule.firmware) {
            FirmwareManifest bare;
            bare.fw_id = m.fw_id;
            m = std::move(bare);
        }
        log_info("manager", "schedule_published")
            .kv("campaign", campaign.id)
            .kv("gateway", gw)
            .kv("devices", schedule.devices.size())
            .kv("firmware", schedule.firmware.size())
            .kv("mode", to_string(schedule.mode))
            .kv("update_at", format_time(schedule.update_at))
            .kv("wave", campaign.waves
                            ? std::to_string(campaign.waves->open) + "/" + std::to_string(campaign.waves->total())
                            : std::string("-"));
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
        auto st = clear(campaign, gateway, "ended");
        if (!st) return st;
    }
    auto open_all = *open_here == 0 ? store_.open_targets(campaign, std::nullopt) : Expected<std::uint64_t>(*open_here);
    if (!open_all) return open_all.error();
    if (*open_all == 0) {
        auto c = store_.find_campaign(campaign);
        if (!c) return c.error();
        // A canceled campaign stays canceled (issue 16).
        if (*c && (*c)->state != kCampaignEnded && (*c)->state != kCampaignCanceled) {
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

Status SchedulePublisher::clear(const std::string& campaign, const std::string& gateway, const char* why) {
    // An empty retained message removes the schedule from the broker.
    const auto topic = topics::gw_schedule(gateway, campaign);
    if (!topic) return topic.error();
    auto st = transport_.publish(*topic, std::string(), true);
    if (!st) return st;
    published_.erase(*topic);
    log_info("manager", "schedule_cleared").kv("campaign", campaign).kv("gateway", gateway).kv("why", why);
    return ok_status();
}

Status SchedulePublisher::republish_active() {
    auto firmware = manifests();
    if (!firmware) return firmware.error();
    for (const auto& m : *firmware) {
        auto st = transport_.publish(topics::fw_manifest(m.fw_id), encode(m), true);
        if (!st) return st;
    }
    auto campaigns = store_.campaigns_in_states({kCampaignActive, kCampaignPaused});  // not canceled (issue 16)
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

Status SchedulePublisher::republish(const std::string& campaign, const std::string& gateway) {
    auto c = store_.find_campaign(campaign);
    if (!c) return c.error();
    if (!*c) return make_error("not_found", "no campaign " + campaign);
    auto targets = store_.targets(campaign);
    if (!targets) return targets.error();
    std::vector<TargetRecord> here;
    std::copy_if(targets->begin(), targets->end(), std::back_inserter(here),
                 [&](const TargetRecord& t) { return t.gateway == gateway; });
    if (here.empty()) return make_error("not_found", "campaign " + campaign + " has no target on gateway " + gateway);
    return publish_released(**c, here, gateway);
}

bool SchedulePublisher::is_current(const std::string& topic, const std::string& payload) const {
    auto it = published_.find(topic);
    if (it == published_.end()) return false;
    if (it->second.sha256 == to_hex(sha256(payload))) return true;
    auto s = decode_schedule(payload);
    if (!s) return false;
    const Schedule& p = it->second.schedule;
    // Times as they travel: milliseconds.
    auto ms = [](const std::optional<TimePoint>& t) {
        return t ? std::optional<TimePoint>(std::chrono::floor<Millis>(*t)) : std::nullopt;
    };
    return p.campaign == s->campaign && p.mode == s->mode && ms(p.update_at) == ms(s->update_at) &&
           ms(p.transmit_at) == ms(s->transmit_at) && ms(p.expires_at) == ms(s->expires_at) && p.retry == s->retry &&
           p.limits == s->limits && fw_ids_of(p) == fw_ids_of(*s) && same_targets(p.devices, s->devices);
}

}  // namespace fleetcast::manager
