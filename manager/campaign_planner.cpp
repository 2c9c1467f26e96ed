#include "manager/campaign_planner.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "common/ids.hpp"

namespace fleetcast::manager {

namespace {

using ModelComponent = std::pair<std::string, std::string>;

// The image each (model, component) gets in this campaign.
Expected<std::map<ModelComponent, FirmwareManifest>> choose_images(const CampaignCreateArgs& spec,
                                                                   const std::vector<FirmwareManifest>& firmware) {
    std::map<ModelComponent, FirmwareManifest> chosen;
    if (spec.firmware.empty()) {
        for (const auto& m : firmware) {
            if (m.encoding) continue;  // a delta is no release of its own (issue 17)
            auto [it, inserted] = chosen.emplace(ModelComponent{m.model, m.component}, m);
            if (!inserted && compare_versions(m.version, it->second.version) > 0) it->second = m;
        }
        return chosen;
    }
    for (const auto& id : spec.firmware) {
        auto m =
            std::find_if(firmware.begin(), firmware.end(), [&](const auto& f) { return f.fw_id == id && !f.encoding; });
        if (m == firmware.end()) return make_error("not_found", "unknown firmware " + id);
        auto [it, inserted] = chosen.emplace(ModelComponent{m->model, m->component}, *m);
        if (!inserted && it->second.fw_id != m->fw_id)
            return make_error("bad_args", "firmware " + it->second.fw_id + " and " + m->fw_id + " are both for " +
                                              m->model + "/" + m->component);
    }
    return chosen;
}

bool needs(const FirmwareManifest& image, const Versions& installed) {
    auto it = installed.find(image.component);
    if (it == installed.end()) return true;
    int c = compare_versions(image.version, it->second);
    return c > 0 || (c < 0 && image.allow_downgrade);
}

}  // namespace

Expected<CampaignPlan> plan_campaign(const CampaignCreateArgs& spec, const std::string& campaign_id, TimePoint now,
                                     const std::vector<DeviceRecord>& registry,
                                     const std::vector<FirmwareManifest>& firmware) {
    CampaignPlan plan;
    auto& c = plan.campaign;
    c.id = campaign_id;
    c.created_at = now;
    c.mode = spec.mode;
    c.update_at = spec.update_at.value_or(now);
    c.transmit_at = spec.transmit_at;
    c.expires_at = spec.expires_at;
    c.retry = spec.retry;
    auto images = choose_images(spec, firmware);
    if (!images) return images.error();

    std::map<std::string, const DeviceRecord*> by_id;
    for (const auto& d : registry) by_id[d.id] = &d;
    std::vector<std::string> selected = spec.devices;
    std::set<std::string> chosen(selected.begin(), selected.end());
    std::set<std::string> models(spec.models.begin(), spec.models.end());
    for (const auto& d : registry)
        if ((spec.all || models.count(d.model)) && chosen.insert(d.id).second) selected.push_back(d.id);

    for (const auto& id : selected) {
        auto found = by_id.find(id);
        if (found == by_id.end()) {
            plan.skipped.push_back({id, std::string(kSkipUnregistered)});
            continue;
        }
        const DeviceRecord& dev = *found->second;
        if (dev.status == "offline") {
            plan.skipped.push_back({id, std::string(kSkipOffline)});
            continue;
        }
        TargetRecord t;
        t.campaign = c.id;
        t.device = dev.id;
        t.gateway = dev.gateway;
        t.model = dev.model;
        bool any_image = false;
        for (const auto& [key, image] : *images) {
            if (key.first != dev.model) continue;
            any_image = true;
            if (!needs(image, dev.firmware)) continue;
            t.fw_ids.push_back(image.fw_id);
            if (auto it = dev.firmware.find(image.component); it != dev.firmware.end())
                t.old_versions[image.component] = it->second;
            t.new_versions[image.component] = image.version;
        }
        if (!any_image) plan.skipped.push_back({id, std::string(kSkipNoFirmware)});
        else if (t.fw_ids.empty()) plan.skipped.push_back({id, std::string(kSkipUpToDate)});
        else plan.targets.push_back(std::move(t));
    }
    return plan;
}

const FirmwareManifest* image_of_version(const std::vector<FirmwareManifest>& firmware, const std::string& model,
                                         const std::string& component, const std::string& version) {
    for (const auto& m : firmware)
        if (!m.encoding && m.model == model && m.component == component && m.version == version) return &m;
    return nullptr;
}

const FirmwareManifest* delta_for(const FirmwareManifest& image, const TargetRecord& target,
                                  const std::vector<FirmwareManifest>& firmware) {
    auto old = target.old_versions.find(image.component);
    const FirmwareManifest* compressed = nullptr;
    for (const auto& m : firmware) {
        if (!m.encoding || m.model != image.model || m.component != image.component ||
            m.encoding->target_sha256 != image.sha256)
            continue;
        if (!is_delta(m)) compressed = &m;
        else if (old != target.old_versions.end() && m.encoding->source_version == old->second) return &m;
    }
    return compressed;  // issue 17 item 2: no delta, the compressed image when there is one
}

std::vector<std::string> artifacts_for(const TargetRecord& target, const std::vector<FirmwareManifest>& firmware) {
    std::vector<std::string> out;
    for (const auto& fw : target.fw_ids) {
        auto image = std::find_if(firmware.begin(), firmware.end(), [&](const auto& m) { return m.fw_id == fw; });
        const FirmwareManifest* delta = image == firmware.end() ? nullptr : delta_for(*image, target, firmware);
        out.push_back(delta ? delta->fw_id : fw);
    }
    return out;
}

std::map<std::string, Schedule> schedules_for(const CampaignRecord& campaign, const std::vector<TargetRecord>& targets,
                                              const std::vector<FirmwareManifest>& firmware) {
    std::map<std::string, Schedule> out;
    std::map<std::string, std::set<std::string>> needed;  // gateway -> fw ids
    for (const auto& t : targets) {
        auto& s = out[t.gateway];
        if (s.campaign.empty()) {
            s.campaign = campaign.id;
            s.mode = campaign.mode;
            s.update_at = campaign.update_at;
            s.transmit_at = campaign.transmit_at;
            s.expires_at = campaign.expires_at;
            s.retry = campaign.retry;
            if (auto l = campaign.gateway_limits.find(t.gateway); l != campaign.gateway_limits.end())
                s.limits = l->second;
        }
        // A device with a delta lists it; the image's manifest goes along for a fallback (issue 17).
        s.devices.push_back({t.device, t.model, artifacts_for(t, firmware)});
        needed[t.gateway].insert(t.fw_ids.begin(), t.fw_ids.end());
        needed[t.gateway].insert(s.devices.back().fw_ids.begin(), s.devices.back().fw_ids.end());
    }
    for (auto& [gw, s] : out)
        for (const auto& m : firmware)
            if (needed[gw].count(m.fw_id)) s.firmware.push_back(m);
    return out;
}

std::string make_campaign_id(TimePoint now, std::uint32_t random) {
    auto t = format_time(now);  // 2026-11-25T21:30:00.000Z
    char buf[40];
    std::snprintf(buf, sizeof buf, "c-%.4s%.2s%.2s-%.2s%.2s%.2s-%04x", t.c_str(), t.c_str() + 5, t.c_str() + 8,
                  t.c_str() + 11, t.c_str() + 14, t.c_str() + 17, random & 0xffffu);
    return buf;
}

}  // namespace fleetcast::manager
