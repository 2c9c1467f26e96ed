// How an update ends without a flip: R18 expiry, a chunk write that fails,
// and a restart after the install that never comes back. The last two happen
// to a simulated device (DevicePolicy) and are reported through the same
// paths a real failure would take, so the gateway cannot tell them apart.
#include "common/log.hpp"
#include "device/device_agent.hpp"

namespace fleetcast::device {

void DeviceAgent::on_expire(const ExpireCmd& cmd) {
    if (waiting_campaign(cmd.campaign)) {
        // Still waiting out the deferment (R12): nothing was written; the request goes.
        move(UpdateEvent::Expired);
        state_.pending_request.reset();
        save_state();
        log_info("device", "update_expired")
            .kv("device", config_.id)
            .kv("campaign", cmd.campaign)
            .kv("stage", "waiting");
        return;
    }
    if (!active_campaign(cmd.campaign)) {
        counters_.add("stale_command");
        log_info("device", "expire_ignored").kv("device", config_.id).kv("campaign", cmd.campaign);
        return;
    }
    // The boot pointer has not flipped (receiving or writing): the old
    // firmware keeps running and the partial image goes.
    for (auto& [id, d] : downloads_) {
        auto st = d->discard();
        if (!st)
            log_warn("device", "discard_failed").kv("device", config_.id).kv("fw", id).kv("error", st.error().str());
    }
    log_info("device", "update_expired").kv("device", config_.id).kv("campaign", cmd.campaign);
    abandon_update("campaign expired", UpdateEvent::Expired);
}

bool DeviceAgent::write_failed(ImageDownload& d, const std::string& fw_id) {
    auto detail = policy_->write_fails(d.received(), d.chunk_count());
    if (!detail) return false;
    counters_.add("write_failure");
    const std::string campaign = state_.update->campaign;
    log_warn("device", "fault_injected")
        .kv("device", config_.id)
        .kv("campaign", campaign)
        .kv("fw", fw_id)
        .kv("fault", "first_write_fails");
    emit_error(campaign, fw_id, "write_failure", *detail);
    abandon_update("write failure");  // the chunks written so far stay for the retry
    return true;
}

void DeviceAgent::lose_restart(const std::string& campaign) {
    // Says it restarts, then never comes back: the complete image stays in
    // the slot, the boot pointer does not flip, no power-on report is sent.
    log_warn("device", "fault_injected").kv("device", config_.id).kv("campaign", campaign).kv("fault", "no_power_on");
    emit(ProgressEvent{campaign, "restarting", 100});
    fanout_subscriptions(false);
    downloads_.clear();
    move(UpdateEvent::RestartLost);
    state_.update.reset();
    installing_until_.reset();
    auto st = store_.save(state_);
    if (!st) log_error("device", "state_save_failed").kv("device", config_.id).kv("error", st.error().str());
}

}  // namespace fleetcast::device
