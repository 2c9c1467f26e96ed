#include "device/real_device.hpp"

#include "common/atomic_file.hpp"
#include "common/log.hpp"

namespace fleetcast::device {

RealDevice::RealDevice(RealDeviceOptions options, std::string device_id, std::filesystem::path state_dir)
    : health_check_(std::move(options.health_check)),
      health_check_timeout_(options.health_check_timeout),
      flash_write_delay_(options.flash_write_delay),
      device_(std::move(device_id)),
      state_dir_(std::move(state_dir)) {
    for (auto& [component, config] : options.handlers) handlers_.emplace(component, UpdateHandler(std::move(config)));
}

HandlerContext RealDevice::base_context(const std::string& component) const {
    HandlerContext c;
    c.device = device_;
    c.component = component;
    c.work_dir = state_dir_ / "handlers" / component;
    std::error_code ec;
    std::filesystem::create_directories(c.work_dir, ec);
    return c;
}

HandlerContext RealDevice::trial_context(const DeviceNvState& state, const std::string& component) const {
    HandlerContext c = base_context(component);
    const BootTrial& t = *state.trial;
    c.campaign = t.campaign;
    if (auto it = t.fw_ids.find(component); it != t.fw_ids.end()) c.fw_id = it->second;
    if (auto it = state.components.find(component); it != state.components.end()) {
        c.new_version = it->second.version;
        c.slot = std::string(to_string(it->second.active));
        c.image_sha256 = it->second.sha256;
    }
    if (auto it = t.previous.find(component); it != t.previous.end()) {
        c.old_version = it->second.version;
        c.old_slot = std::string(to_string(it->second.active));
    } else if (auto now = state.components.find(component); now != state.components.end()) {
        c.old_slot = std::string(to_string(other(now->second.active)));  // new to the device: the other slot
    }
    return c;
}

HandlerContext RealDevice::write_context(const std::string& campaign, const FirmwareManifest& m, Slot target,
                                         const DeviceNvState& state) const {
    HandlerContext c = base_context(m.component);
    c.campaign = campaign;
    c.fw_id = m.fw_id;
    c.new_version = m.version;
    c.slot = std::string(to_string(target));
    c.old_slot = std::string(to_string(other(target)));
    if (auto it = state.components.find(m.component); it != state.components.end()) c.old_version = it->second.version;
    c.image_sha256 = m.sha256;
    c.image_size = m.size;
    return c;
}

std::optional<Slot> RealDevice::booted_slot(const std::string& component) {
    auto h = handlers_.find(component);
    if (h == handlers_.end()) return std::nullopt;
    auto r = h->second.run(HandlerStep::BootedSlot, base_context(component));
    std::string answer = r.ok && !r.no_slot_path ? r.process.stdout_tail : std::string();
    while (!answer.empty() && (answer.back() == '\n' || answer.back() == ' ')) answer.pop_back();
    auto slot = slot_from_string(answer);
    if (!slot) return std::nullopt;
    return *slot;
}

std::optional<std::filesystem::path> RealDevice::direct_target(const std::string& campaign, const FirmwareManifest& m,
                                                               Slot target, const DeviceNvState& state) {
    auto h = handlers_.find(m.component);
    if (h == handlers_.end()) return std::nullopt;
    auto r = h->second.run(HandlerStep::SlotPath, write_context(campaign, m, target, state));
    // Anything but one absolute path: the safe, older way (a staging copy, streamed to install).
    std::string path = r.ok && !r.no_slot_path ? r.process.stdout_tail : std::string();
    while (!path.empty() && (path.back() == '\n' || path.back() == ' ')) path.pop_back();
    if (path.empty() || path.front() != '/' || path.find('\n') != std::string::npos) {
        log_info("device", "slot_path_declined")
            .kv("device", device_)
            .kv("campaign", campaign)
            .kv("fw", m.fw_id)
            .kv("component", m.component)
            .kv("answer", r.ok ? "staging" : r.detail);
        return std::nullopt;
    }
    return std::filesystem::path(path);
}

Status RealDevice::install(const std::string& campaign, const FirmwareManifest& m, const std::filesystem::path& image,
                           bool in_slot, Slot target, const DeviceNvState& state) {
    auto h = handlers_.find(m.component);
    if (h == handlers_.end()) return ok_status();
    HandlerContext c = write_context(campaign, m, target, state);
    c.image = image;
    c.image_in_slot = in_slot;
    auto r = h->second.run(HandlerStep::Install, c);
    if (!r.ok) return make_error(r.code, r.detail);
    return ok_status();
}

bool RealDevice::activate(const DeviceNvState& state, std::string& code, std::string& detail) {
    for (const auto& [component, fw_id] : state.trial->fw_ids) {
        auto h = handlers_.find(component);
        if (h == handlers_.end()) continue;
        auto r = h->second.run(HandlerStep::Activate, trial_context(state, component));
        if (!r.ok) {
            code = r.code;
            detail = r.detail;
            return false;
        }
    }
    return true;
}

bool RealDevice::needs_reboot(const DeviceNvState& state) {
    bool reboot = false;
    for (const auto& [component, fw_id] : state.trial->fw_ids) {
        auto h = handlers_.find(component);
        if (h == handlers_.end()) continue;
        auto r = h->second.run(HandlerStep::NeedsReboot, trial_context(state, component));
        // A failing answer reboots: the safe side, the trial boot verifies either way.
        if (!r.no_reboot) reboot = true;
    }
    return reboot;
}

Status RealDevice::run_health_check(const DeviceNvState& state) const {
    if (health_check_.empty()) return ok_status();
    ProcessSpec spec;
    spec.argv = health_check_;
    spec.timeout = health_check_timeout_;
    spec.env = {{"FLEETCAST_DEVICE", device_}, {"FLEETCAST_CAMPAIGN", state.trial->campaign}};
    for (const auto& [component, c] : state.components) spec.env["FLEETCAST_VERSION_" + component] = c.version;
    auto r = run_process(spec);
    if (!r) return make_error("health_check", "health check " + health_check_.front() + ": " + r.error().message);
    if (r->succeeded()) return ok_status();
    std::string detail = "health check " + health_check_.front() + " failed (" + r->how_it_ended(spec.timeout) + ")";
    if (auto tail = r->output_tail(); !tail.empty()) detail += ": " + tail;
    return make_error("health_check", detail);
}

Status RealDevice::boot_health(const DeviceNvState& state) const {
    if (!state.trial) return ok_status();
    for (const auto& [component, fw_id] : state.trial->fw_ids) {
        auto h = handlers_.find(component);
        if (h == handlers_.end()) continue;
        auto r = h->second.run(HandlerStep::Verify, trial_context(state, component));
        if (!r.ok) return make_error("verify", r.detail);
    }
    auto st = run_health_check(state);
    if (!st) log_warn("device", "health_check_failed").kv("device", device_).kv("detail", st.error().message);
    return st;
}

Status RealDevice::commit(const DeviceNvState& state) {
    for (const auto& [component, fw_id] : state.trial->fw_ids) {
        auto h = handlers_.find(component);
        if (h == handlers_.end()) continue;
        auto r = h->second.run(HandlerStep::Commit, trial_context(state, component));
        if (!r.ok) return make_error("commit", r.detail);
    }
    return ok_status();
}

bool RealDevice::roll_back(const DeviceNvState& state) {
    bool reboot = false;
    for (const auto& [component, fw_id] : state.trial->fw_ids) {
        auto h = handlers_.find(component);
        if (h == handlers_.end()) continue;
        // Every handler's rollback runs, even after one failed: each makes its own old slot boot.
        h->second.run(HandlerStep::Rollback, trial_context(state, component));
        reboot = true;  // the new image may be running: reboot into the old one
    }
    return reboot;
}

void RealDevice::cleanup(const std::string& campaign, const std::vector<std::string>& components,
                         const DeviceNvState& state) {
    for (const auto& component : components) {
        auto h = handlers_.find(component);
        if (h == handlers_.end()) continue;
        HandlerContext c = base_context(component);
        c.campaign = campaign;
        if (auto it = state.components.find(component); it != state.components.end()) {
            c.new_version = it->second.version;
            c.slot = std::string(to_string(it->second.active));
        }
        h->second.run(HandlerStep::Cleanup, c);  // best effort: logged, never fails the update
    }
}

}  // namespace fleetcast::device
