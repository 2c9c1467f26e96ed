#pragma once
// Where a simulated device behaves differently from a real one: its profile
// (busy, service call, the user pressing defer or cancel), injected faults,
// slow flash, the install time and the first-boot health check. The agent
// calls these hooks on every path; the real device's policy (RealDevice)
// answers "nothing special" everywhere, so its path has no simulator branch.
// One policy per DeviceAgent: a restart builds a fresh one, as a power cycle.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "device/boot_health.hpp"
#include "device/device_state.hpp"

namespace fleetcast::device {

// Simulator fault injection (R16-R18 tests and demo); all off for a real agent.
struct DeviceFaults {
    bool fail_first_write = false;  // the first chunk write past half of an image fails (once per state dir)
    bool no_power_on = false;       // the restart after an install never comes back: no power-on report
    bool boot_fails = false;        // the new image never boots: the bootloader falls back to the old one
};

// What fleetcast-device --simulate (and the fault/profile options) ask for.
struct SimulatorOptions {
    Millis flash_write_delay{0};  // slow flash: the device is busy this long after each chunk write
    Millis install_time{0};       // how long writing the verified image takes (cancellable)
    DeviceFaults faults;
    // Profile (--profile): the device's own behaviour for demos and tests.
    Millis busy_for{0};        // busy (printing) for this long after the first power-on
    std::string service_call;  // first power-on in service call error of this type
    bool auto_defer = false;   // the user presses defer on the first waiting screen
    bool auto_cancel = false;  // the user presses cancel once the first chunk arrived
};

class DevicePolicy {
   public:
    virtual ~DevicePolicy() = default;
    // First power-on of a new state dir: the condition the device starts in.
    virtual void at_first_boot(Condition&, TimePoint /*now*/) {}
    // True once, when a busy condition set at first boot is over.
    virtual bool busy_over(TimePoint /*now*/) { return false; }
    // The user (or anyone) set the condition: a pending busy timer goes.
    virtual void condition_set() {}
    // The user will press defer on the next waiting screen (so there is one).
    virtual bool will_defer() const { return false; }
    // The user presses defer now, on the waiting screen (once).
    virtual bool presses_defer() { return false; }
    // The user presses cancel now, while the image comes in (once).
    virtual bool presses_cancel() { return false; }
    // The write of the next chunk of `d` fails: the detail to report, or nullopt.
    virtual std::optional<std::string> write_fails(std::uint64_t /*received*/, std::uint64_t /*chunks*/) {
        return std::nullopt;
    }
    // How long the flash stays busy after a chunk write.
    virtual Millis flash_write_delay() const { return Millis(0); }
    // How long writing the verified images takes.
    virtual Millis install_time() const { return Millis(0); }
    // The restart after the install never comes back (no flip, no power-on).
    virtual bool restart_lost() const { return false; }
    // The first-boot health check of what `state` boots now (R22).
    virtual Status boot_health(const DeviceNvState&) const { return ok_status(); }

    // The update handler steps (docs/update-handlers.md); a component without
    // a handler keeps the agent's own slot files and needs none of them.
    virtual bool has_handler(const std::string& /*component*/) const { return false; }
    // A new state directory: the slot of `component` running now (the
    // handler's booted-slot step), or nullopt: slot a, the factory default.
    virtual std::optional<Slot> booted_slot(const std::string& /*component*/) { return std::nullopt; }
    // Before the download of `m` into the component's slot `target`: the path
    // the agent may write its chunks into directly (the handler's slot-path
    // step, which also makes sure the bootloader does not select that slot),
    // or nullopt: the agent stages the image in its state directory.
    virtual std::optional<std::filesystem::path> direct_target(const std::string& /*campaign*/,
                                                               const FirmwareManifest& /*m*/, Slot /*target*/,
                                                               const DeviceNvState& /*state*/) {
        return std::nullopt;
    }
    // Writes the verified `image` of `m` to the component's slot `target` (never
    // selecting it). `in_slot`: `image` is the direct target, written and
    // verified already; the handler makes it durable and checks it.
    virtual Status install(const std::string& /*campaign*/, const FirmwareManifest& /*m*/,
                           const std::filesystem::path& /*image*/, bool /*in_slot*/, Slot /*target*/,
                           const DeviceNvState& /*state*/) {
        return ok_status();
    }
    // After the flip is stored (state.trial set): selects the new slots for the next boot, try once.
    virtual bool activate(const DeviceNvState& /*state*/, std::string& /*code*/, std::string& /*detail*/) {
        return true;
    }
    // The new images need a reboot (the host runs --reboot-command); otherwise the agent restarts itself.
    virtual bool needs_reboot(const DeviceNvState& /*state*/) { return false; }
    // The trial boot was healthy: the new slots become permanent. An error rolls back.
    virtual Status commit(const DeviceNvState& /*state*/) { return ok_status(); }
    // The trial failed or never confirmed: the old slots boot again. True when
    // that takes a reboot (the new image may be the one running).
    virtual bool roll_back(const DeviceNvState& /*state*/) { return false; }
    // The update is over (committed, rolled back or abandoned).
    virtual void cleanup(const std::string& /*campaign*/, const std::vector<std::string>& /*components*/,
                         const DeviceNvState& /*state*/) {}
};

// The real agent's policy without handlers: nothing simulated (real_device.hpp).
class RealDevice;

// The agent's policy for `options`: a RealDevice without handlers when nothing is simulated.
std::unique_ptr<DevicePolicy> make_device_policy(const SimulatorOptions& options, const BootHealthConfig& health,
                                                 const std::filesystem::path& state_dir);

}  // namespace fleetcast::device
