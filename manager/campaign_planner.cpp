#include "manager/campaign_planner.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "common/ids.hpp"

namespace fleetcast::manager {

namespace {

using ModelComponent = std::pair<std::string, std::string>;

bool has(const cJSON* obj, const char* key) {
    const cJSON* f = cJSON_GetObjectItemCaseSensitive(obj, key);
    return f && !cJSON_IsNull(f);
}

// The image each (model, component) gets in this campaign.
Expected<std::map<ModelComponent, FirmwareManifest>> choose_images(const CampaignSpec& spec,
                                                                   const std::vector<FirmwareManifest>& firmware) {
    std::map<ModelComponent, FirmwareManifest> chosen;
    if (spec.firmware.empty()) {
        for (const auto& m : firmware) {
            auto [it, inserted] = chosen.emplace(ModelComponent{m.model, m.component}, m);
            if (!inserted && compare_versions(m.version, it->second.version) > 0) it->second = m;
        }
        return chosen;
    }
    for (const auto& id : spec.firmware) {
        auto m = std::find_if(firmware.begin(), firmware.end(), [&](const auto& f) { return f.fw_id == id; });
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

Expected<CampaignSpec> campaign_spec_from_json(const cJSON* args) {
    CampaignSpec spec;
    if (has(args, "all")) {
        auto all = json::get_bool(args, "all");
        if (!all) return all.error();
        spec.all = *all;
    }
    if (has(args, "devices")) {
        auto devices = json::get_id_list(args, "devices", "device", kMaxCampaignDevices);
        if (!devices) return devices.error();
        std::set<std::string> seen;
        for (auto& d : *devices)
            if (seen.insert(d).second) spec.devices.push_back(std::move(d));
        if (spec.devices.empty()) return make_error("bad_args", "'devices' is empty");
    }
    if (has(args, "models")) {
        auto models = json::get_id_list(args, "models", "model", 1024);
        if (!models) return models.error();
        std::set<std::string> seen;
        for (auto& m : *models)
            if (seen.insert(m).second) spec.models.push_back(std::move(m));
    }
    if (spec.all == (!spec.devices.empty() || !spec.models.empty()))
        return make_error("bad_args", "give exactly one of 'all': true or a 'devices' and/or 'models' list");
    if (has(args, "firmware")) {
        auto fw = json::get_id_list(args, "firmware", "firmware", 1024);
        if (!fw) return fw.error();
        spec.firmware = std::move(*fw);
    }
    for (auto [key, dst] : {std::pair{"update_at", &spec.update_at}, std::pair{"transmit_at", &spec.transmit_at},
                            std::pair{"expires_at", &spec.expires_at}}) {
        auto t = json::get_optional_time(args, key);
        if (!t) return t.error();
        *dst = *t;
    }
    for (auto [key, dst] : {std::pair{"update_in_ms", &spec.update_in}, std::pair{"transmit_in_ms", &spec.transmit_in},
                            std::pair{"expires_in_ms", &spec.expires_in}}) {
        if (!has(args, key)) continue;
        auto ms = json::get_uint(args, key, 10ULL * 365 * 24 * 3600 * 1000);
        if (!ms) return ms.error();
        *dst = Millis{static_cast<Millis::rep>(*ms)};
    }
    if (has(args, "retry_max")) {
        auto n = json::get_uint(args, "retry_max", kMaxRetries);
        if (!n) return n.error();
        spec.retry.max_retries = static_cast<std::uint32_t>(*n);
    }
    for (auto [key, dst] : {std::pair{"retry_backoff_ms", &spec.retry.backoff},
                            std::pair{"power_on_timeout_ms", &spec.retry.power_on_timeout}}) {
        if (!has(args, key)) continue;
        auto ms = json::get_uint(args, key, 24ULL * 3600 * 1000);
        if (!ms) return ms.error();
        if (*ms == 0 && dst == &spec.retry.power_on_timeout)
            return make_error("bad_args", "power_on_timeout_ms must be positive");
        *dst = Millis{static_cast<Millis::rep>(*ms)};
    }
    if (spec.update_at && spec.update_in) return make_error("bad_args", "give update_at or update_in_ms, not both");
    if (spec.transmit_at && spec.transmit_in)
        return make_error("bad_args", "give transmit_at or transmit_in_ms, not both");
    if (spec.expires_at && spec.expires_in) return make_error("bad_args", "give expires_at or expires_in_ms, not both");
    if (has(args, "asap")) {
        auto asap = json::get_bool(args, "asap");
        if (!asap) return asap.error();
        spec.asap = *asap;
    }
    if (has(args, "mode")) {
        auto mode = json::get_string(args, "mode", 8);
        if (!mode) return mode.error();
        if (*mode == "push") spec.mode = TransferMode::Push;
        else if (*mode != "pull") return make_error("bad_args", "mode must be pull or push, got '" + *mode + "'");
    }
    if (has(args, "campaign")) {
        auto id = json::get_id(args, "campaign", "campaign");
        if (!id) return id.error();
        spec.campaign = *id;
    }
    return spec;
}

void resolve_relative_times(CampaignSpec& spec, TimePoint now) {
    for (auto [rel, abs] :
         {std::pair{&spec.update_in, &spec.update_at}, std::pair{&spec.transmit_in, &spec.transmit_at},
          std::pair{&spec.expires_in, &spec.expires_at}}) {
        if (*rel) *abs = now + **rel;
        rel->reset();
    }
}

Expected<CampaignPlan> plan_campaign(const CampaignSpec& spec, const std::string& campaign_id, TimePoint now,
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
        }
        s.devices.push_back({t.device, t.model, t.fw_ids});
        needed[t.gateway].insert(t.fw_ids.begin(), t.fw_ids.end());
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
