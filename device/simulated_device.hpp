#pragma once
// The simulator's DevicePolicy (device_policy.hpp): profiles, injected faults,
// slow flash and the simulated health check, each reported by the agent through
// the same paths as the real thing, so the gateway cannot tell them apart.
#include <optional>

#include "device/device_policy.hpp"

namespace fleetcast::device {

class SimulatedDevice final : public DevicePolicy {
   public:
    SimulatedDevice(SimulatorOptions options, BootHealthConfig health, std::filesystem::path state_dir);

    void at_first_boot(Condition& condition, TimePoint now) override;
    bool busy_over(TimePoint now) override;
    void condition_set() override { busy_until_.reset(); }
    bool will_defer() const override { return options_.auto_defer && !defer_pressed_; }
    bool presses_defer() override;
    bool presses_cancel() override;
    std::optional<std::string> write_fails(std::uint64_t received, std::uint64_t chunks) override;
    Millis flash_write_delay() const override { return options_.flash_write_delay; }
    Millis install_time() const override { return options_.install_time; }
    bool restart_lost() const override { return options_.faults.no_power_on; }
    Status boot_health(const DeviceNvState& state) const override;

   private:
    SimulatorOptions options_;
    BootHealthConfig health_;
    std::filesystem::path state_dir_;
    std::optional<TimePoint> busy_until_;
    bool defer_pressed_ = false;
    bool cancel_pressed_ = false;
};

}  // namespace fleetcast::device
