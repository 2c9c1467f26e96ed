#pragma once
// The real device's DevicePolicy (device_policy.hpp): the update handler of
// each component configured with one (docs/update-handlers.md) installs,
// activates, verifies, commits and rolls back its image; the product's health
// check command (--health-check) decides whether a trial boot is healthy. A
// component without a handler keeps the agent's own slot files (the
// simulator's model), so both kinds can update together in one campaign.
#include <map>
#include <string>
#include <vector>

#include "device/device_policy.hpp"
#include "device/update_handler.hpp"

namespace fleetcast::device {

struct RealDeviceOptions {
    std::map<std::string, HandlerConfig> handlers;  // component -> handler
    std::vector<std::string> health_check;          // argv; empty: healthy when the handlers' verify says so
    std::chrono::milliseconds health_check_timeout{60000};
    // --flash-write-delay: a pause after each chunk write (keeps a busy box's
    // I/O low; tests use it to stop a transfer at a known chunk).
    std::chrono::milliseconds flash_write_delay{0};
};

class RealDevice final : public DevicePolicy {
   public:
    RealDevice() = default;
    RealDevice(RealDeviceOptions options, std::string device_id, std::filesystem::path state_dir);

    bool has_handler(const std::string& component) const override { return handlers_.count(component) > 0; }
    Millis flash_write_delay() const override { return flash_write_delay_; }
    std::optional<Slot> booted_slot(const std::string& component) override;
    std::optional<std::filesystem::path> direct_target(const std::string& campaign, const FirmwareManifest& m,
                                                       Slot target, const DeviceNvState& state) override;
    Status install(const std::string& campaign, const FirmwareManifest& m, const std::filesystem::path& image,
                   bool in_slot, Slot target, const DeviceNvState& state) override;
    bool activate(const DeviceNvState& state, std::string& code, std::string& detail) override;
    bool needs_reboot(const DeviceNvState& state) override;
    Status boot_health(const DeviceNvState& state) const override;
    Status commit(const DeviceNvState& state) override;
    bool roll_back(const DeviceNvState& state) override;
    void cleanup(const std::string& campaign, const std::vector<std::string>& components,
                 const DeviceNvState& state) override;

   private:
    // The context of the trial's `component` (state.trial set; the new slot active).
    HandlerContext trial_context(const DeviceNvState& state, const std::string& component) const;
    HandlerContext base_context(const std::string& component) const;
    // The context of writing `m` to `target` (slot-path, install).
    HandlerContext write_context(const std::string& campaign, const FirmwareManifest& m, Slot target,
                                 const DeviceNvState& state) const;
    Status run_health_check(const DeviceNvState& state) const;

    std::map<std::string, UpdateHandler> handlers_;
    std::vector<std::string> health_check_;
    std::chrono::milliseconds health_check_timeout_{60000};
    Millis flash_write_delay_{0};
    std::string device_;
    std::filesystem::path state_dir_;
};

}  // namespace fleetcast::device
