#include "manager/status_views.hpp"

#include "common/job_rules.hpp"
#include "common/operator_views.hpp"
#include "manager/dashboard_views.hpp"
#include "manager/results_view.hpp"

namespace fleetcast::manager {

namespace {

Expected<CampaignRecord> find_campaign(ManagerStore& store, const std::string& id) {
    auto c = store.find_campaign(id);
    if (!c) return c.error();
    if (!*c) return make_error("not_found", "unknown campaign " + id);
    return **c;
}

}  // namespace

Expected<Json> device_status_view(ManagerStore& store, const DeviceArgs& args, TimePoint now) {
    auto device = store.find_device(args.device);
    if (!device) return device.error();
    if (!*device) return make_error("not_found", "unknown device " + args.device);
    auto campaigns = all_campaigns(store);
    if (!campaigns) return campaigns.error();
    DeviceStatusAnswer a;
    a.now = now;
    a.device = device_row(**device);
    a.phase = "idle";
    for (const auto& c : *campaigns) {  // newest first: the first that targets the device
        auto t = store.find_target(c.id, args.device);
        if (!t) return t.error();
        if (!*t) continue;
        DeviceStatusJob latest{c.id, job_view(**t), c.update_at, std::nullopt};
        const JobState s = latest.job.state;
        // R19: an operator's hold shows until the resume, whatever the job's state.
        const bool held = !is_terminal(s) && latest.job.suspended;
        a.phase = held ? std::string("suspended") : std::string(job_rules::phase_of(s));
        a.settled = is_terminal(s);
        // Expected end (Fig. 19): the job's end when it ended, else the campaign's plan.
        latest.expected_end = is_terminal(s) ? latest.job.ended_at : std::optional<TimePoint>(c.expected_end);
        a.latest = std::move(latest);
        break;
    }
    return json_object(a);
}

Expected<Json> targets_view(ManagerStore& store, const TargetsArgs& args) {
    auto c = find_campaign(store, args.campaign);
    if (!c) return c.error();
    // Paged like `results`: a large campaign's rows stay far below the broker's packet limit.
    auto counts = store.target_state_counts(c->id);
    if (!counts) return counts.error();
    auto targets = store.targets_page(c->id, args.page.offset, args.page.limit);
    if (!targets) return targets.error();
    std::map<std::string, std::uint32_t> waves;  // issue 16 item 2: each target's wave
    if (c->waves) {
        auto w = store.target_waves(c->id);
        if (!w) return w.error();
        waves = std::move(*w);
    }
    TargetsAnswer a;
    a.campaign = c->id;
    a.mode = std::string(to_string(c->mode));
    for (const auto& [state, n] : *counts) a.total += n;
    a.offset = args.page.offset;
    for (const auto& t : *targets) {
        TargetRow row;
        row.device = t.device;
        row.model = t.model;
        auto dash = t.device.rfind('-');
        row.serial = dash == std::string::npos ? t.device : t.device.substr(dash + 1);
        row.gateway = t.gateway;
        // Pull mode: the gateway fetches at the update time (R7).
        row.transmit_at = c->transmit_at.value_or(c->update_at);
        row.update_at = c->update_at;
        for (const auto& [component, version] : t.new_versions) {
            auto old = t.old_versions.find(component);
            row.changes.push_back({component, old == t.old_versions.end() ? std::string() : old->second, version});
        }
        if (auto w = waves.find(t.device); w != waves.end()) row.wave = w->second;
        a.devices.push_back(std::move(row));
    }
    return json_object(a);
}

Expected<Json> unregistered_view(ManagerStore& store, const CampaignArgs& args) {
    auto c = find_campaign(store, args.campaign);
    if (!c) return c.error();
    auto skipped = store.skipped(c->id);
    if (!skipped) return skipped.error();
    UnregisteredAnswer a;
    a.campaign = c->id;
    a.total = skipped->size();
    for (const auto& [device, reason] : *skipped) a.devices.push_back({device, reason});
    return json_object(a);
}

}  // namespace fleetcast::manager
