// R18 expiry on the device side, and the faults a simulated device can be
// told to have (fleetcast-device --fault-*): they go through the same
// reporting paths as real failures, so the gateway cannot tell them apart.
#include <fstream>

#include "common/log.hpp"
#include "device/device_agent.hpp"

namespace fleetcast::device {

namespace {
constexpr const char* kWriteFaultMarker = "fault-first-write.done";
}

void DeviceAgent::on_expire(const ExpireCmd& cmd) {
    if (state_.pending_request && state_.pending_request->campaign == cmd.campaign) {
        // Still waiting out the deferment (R12): nothing was written; the request goes.
        state_.pending_request.reset();
        save_state();
        log_info("device", "update_expired").kv("device", config_.id).kv("campaign", cmd.campaign).kv("stage", "waiting");
        return;
    }
    if (!state_.update || state_.update->campaign != cmd.campaign) {
        counters_.add("stale_command");
        log_info("device", "expire_ignored").kv("device", config_.id).kv("campaign", cmd.campaign);
        return;
    }
    // The boot pointer has not flipped (state_.update is still set): the old
    // firmware keeps running and the partial image goes.
    for (auto& [id, d] : downloads_) {
        auto st = d->discard();
        if (!st) log_warn("device", "discard_failed").kv("device", config_.id).kv("fw", id).kv("error", st.error().str());
    }
    log_info("device", "update_expired").kv("device", config_.id).kv("campaign", cmd.campaign);
    abandon_update("campaign expired");
}

bool DeviceAgent::inject_write_failure(ImageDownload& d, const std::string& fw_id) {
    if (!config_.faults.fail_first_write || d.received() * 2 < d.chunk_count()) return false;
    auto marker = config_.state_dir / kWriteFaultMarker;
    if (std::filesystem::exists(marker)) return false;
    std::ofstream(marker) << "fired\n";
    counters_.add("write_failure");
    const std::string campaign = state_.update->campaign;
    log_warn("device", "fault_injected").kv("device", config_.id).kv("campaign", campaign).kv("fw", fw_id).kv("fault", "first_write_fails");
    emit_error(campaign, fw_id, "write_failure",
               "injected fault: write of a chunk failed after " + std::to_string(d.received()) + " of " +
                   std::to_string(d.chunk_count()));
    abandon_update("write failure");  // the chunks written so far stay for the retry
    return true;
}

bool DeviceAgent::inject_install_fault(const std::string& campaign) {
    if (config_.faults.no_power_on) {
        // Says it restarts, then never comes back: the complete image stays in
        // the slot, the boot pointer does not flip, no power-on report is sent.
        log_warn("device", "fault_injected").kv("device", config_.id).kv("campaign", campaign).kv("fault", "no_power_on");
        emit(ProgressEvent{campaign, "restarting", 100});
        fanout_subscriptions(false);
        downloads_.clear();
        state_.update.reset();
        auto st = store_.save(state_);
        if (!st) log_error("device", "state_save_failed").kv("device", config_.id).kv("error", st.error().str());
        return true;
    }
    if (config_.faults.boot_fails) {
        // The new image fails its first boot and the old one comes back: the
        // boot pointer stays, and the power-on report after the restart names
        // the campaign with the old versions.
        log_warn("device", "fault_injected").kv("device", config_.id).kv("campaign", campaign).kv("fault", "boot_fails");
        fanout_subscriptions(false);
        downloads_.clear();
        state_.update.reset();
        state_.pending_campaign = campaign;
        auto st = store_.save(state_);
        if (!st) log_error("device", "state_save_failed").kv("device", config_.id).kv("error", st.error().str());
        emit(ProgressEvent{campaign, "restarting", 100});
        restart_requested_ = true;
        return true;
    }
    return false;
}

}  // namespace fleetcast::device
