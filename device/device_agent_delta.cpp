// Issue 17: a delta offered for a component is used only when the agent owns
// the component's slots (no update handler) and its active slot is the
// delta's source; the rebuilt image is checked against the signed target
// hash before the flip. Anything else asks the gateway for the full image.
#include "common/log.hpp"
#include "device/delta_rebuild.hpp"
#include "device/device_agent.hpp"

namespace fleetcast::device {

std::filesystem::path DeviceAgent::active_slot_path(const std::string& component) const {
    auto it = state_.components.find(component);
    return store_.slot_path(component, it == state_.components.end() ? Slot::A : it->second.active);
}

Status DeviceAgent::delta_usable(const FirmwareManifest& m) const {
    if (policy_->has_handler(m.component))
        return make_error("delta_source",
                          "component " + m.component + " has an update handler: the agent cannot read its active slot");
    if (!state_.components.count(m.component))
        return make_error("delta_source", "no image of component " + m.component + " runs here");
    return check_delta_source(m, active_slot_path(m.component));
}

void DeviceAgent::delta_refused(const std::string& campaign, const FirmwareManifest& m, const std::string& why) {
    counters_.add("delta_fallback");
    log_warn("device", "delta_fallback")
        .kv("device", config_.id)
        .kv("campaign", campaign)
        .kv("fw", m.fw_id)
        .kv("component", m.component)
        .kv("image", installed_fw_id(m))
        .kv("why", why);
    emit_error(campaign, m.fw_id, "delta_source", why);
}

bool DeviceAgent::rebuild_deltas(const std::string& campaign) {
    for (auto& [id, d] : downloads_) {
        const FirmwareManifest& m = d->manifest();
        if (!m.encoding || rebuilt_sha256_.count(id)) continue;
        const auto slot = store_.slot_path(m.component, inactive_slot(m.component));
        auto rebuilt = rebuild_from_delta(m, active_slot_path(m.component), d->data_path(), slot);
        if (!rebuilt) {
            const auto& e = rebuilt.error();
            if (e.code == "delta_source") {
                // An authentic delta that does not give the signed image here: never flipped, never resumed.
                (void)d->discard();
                delta_refused(campaign, m, e.message);
            } else {
                emit_error(campaign, id, e.code == "no_space" ? "no_space" : "write_failure", e.message);
            }
            abandon_update("cannot rebuild " + m.component + " from delta " + id + ": " + e.message);
            return false;
        }
        log_info("device", "delta_rebuilt")
            .kv("device", config_.id)
            .kv("campaign", campaign)
            .kv("fw", id)
            .kv("component", m.component)
            .kv("bytes", m.encoding->target_size)
            .kv("sha256", rebuilt->substr(0, 16));
        rebuilt_sha256_[id] = *rebuilt;
    }
    return true;
}

}  // namespace fleetcast::device
