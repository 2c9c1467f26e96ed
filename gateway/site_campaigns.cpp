#include "gateway/site_campaigns.hpp"

namespace fleetcast::gateway {

SiteCampaigns::SiteCampaigns(std::shared_ptr<const TrustKeySet> trust_keys, Clock& clock)
    : trust_keys_(std::move(trust_keys)), clock_(clock) {}

void SiteCampaigns::load(std::vector<Schedule> schedules, std::map<std::string, CampaignHold> holds) {
    schedules_.clear();
    for (auto& s : schedules) schedules_[s.campaign] = std::move(s);
    holds_ = std::move(holds);
    rebuild_manifests();
}

std::map<std::string, std::string> SiteCampaigns::put_schedule(Schedule schedule) {
    std::map<std::string, std::string> bad;
    for (const auto& m : schedule.firmware) {
        if (auto st = check_manifest(m); !st) bad[m.fw_id] = st.error().message;
        else manifests_[m.fw_id] = m;
    }
    auto campaign = schedule.campaign;
    schedules_[campaign] = std::move(schedule);
    return bad;
}

void SiteCampaigns::forget(const std::string& campaign) {
    if (schedules_.erase(campaign)) rebuild_manifests();
}

void SiteCampaigns::rebuild_manifests() {
    manifests_.clear();
    for (const auto& [c, s] : schedules_)
        for (const auto& m : s.firmware)
            if (check_manifest(m)) manifests_[m.fw_id] = m;
}

const Schedule* SiteCampaigns::schedule(const std::string& campaign) const {
    auto it = schedules_.find(campaign);
    return it == schedules_.end() ? nullptr : &it->second;
}

const FirmwareManifest* SiteCampaigns::manifest(const std::string& fw_id) const {
    auto it = manifests_.find(fw_id);
    return it == manifests_.end() ? nullptr : &it->second;
}

Status SiteCampaigns::check_manifest(const FirmwareManifest& m) const {
    if (!trust_keys_) return make_error("bad_manifest", "no trusted manager key is configured");
    return verify_manifest(m, *trust_keys_, clock_.now());
}

RetryPolicy SiteCampaigns::retry_policy(const std::string& campaign) const {
    const auto* s = schedule(campaign);
    return s ? s->retry : RetryPolicy{};
}

void SiteCampaigns::set_hold(const std::string& campaign, CampaignHold hold) { holds_[campaign] = std::move(hold); }

const CampaignHold* SiteCampaigns::hold(const std::string& campaign) const {
    auto it = holds_.find(campaign);
    return it == holds_.end() ? nullptr : &it->second;
}

bool SiteCampaigns::held(const std::string& campaign) const {
    const auto* h = hold(campaign);
    return h && h->action != CampaignAction::Resume;
}

std::set<std::string> SiteCampaigns::images_only_for(const std::string& campaign) const {
    std::set<std::string> out;
    const auto* own = schedule(campaign);
    if (!own) return out;
    for (const auto& m : own->firmware) out.insert(m.fw_id);
    for (const auto& [other, s] : schedules_) {
        if (other == campaign) continue;
        if (const auto* h = hold(other); h && h->action == CampaignAction::Cancel) continue;
        for (const auto& m : s.firmware) out.erase(m.fw_id);
    }
    return out;
}

}  // namespace fleetcast::gateway
