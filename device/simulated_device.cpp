#include "device/simulated_device.hpp"

#include <fstream>

#include "device/real_device.hpp"

namespace fleetcast::device {

namespace {
constexpr const char* kWriteFaultMarker = "fault-first-write.done";

bool simulates_anything(const SimulatorOptions& o, const BootHealthConfig& health) {
    return o.flash_write_delay.count() > 0 || o.install_time.count() > 0 || o.faults.fail_first_write ||
           o.faults.no_power_on || o.faults.boot_fails || o.busy_for.count() > 0 || !o.service_call.empty() ||
           o.auto_defer || o.auto_cancel || !health.fail_first_boot.empty();
}
}  // namespace

std::unique_ptr<DevicePolicy> make_device_policy(const SimulatorOptions& options, const BootHealthConfig& health,
                                                 const std::filesystem::path& state_dir) {
    if (!simulates_anything(options, health)) return std::make_unique<RealDevice>();
    return std::make_unique<SimulatedDevice>(options, health, state_dir);
}

SimulatedDevice::SimulatedDevice(SimulatorOptions options, BootHealthConfig health, std::filesystem::path state_dir)
    : options_(std::move(options)), health_(std::move(health)), state_dir_(std::move(state_dir)) {}

void SimulatedDevice::at_first_boot(Condition& condition, TimePoint now) {
    if (options_.busy_for.count() > 0) {
        condition = Condition{DeviceStatus::Busy, "printing", ""};
        busy_until_ = now + options_.busy_for;
    }
    if (!options_.service_call.empty()) condition = Condition{DeviceStatus::Error, "", options_.service_call};
}

bool SimulatedDevice::busy_over(TimePoint now) {
    if (!busy_until_ || now < *busy_until_) return false;
    busy_until_.reset();
    return true;
}

bool SimulatedDevice::presses_defer() {
    if (!will_defer()) return false;
    defer_pressed_ = true;
    return true;
}

bool SimulatedDevice::presses_cancel() {
    if (!options_.auto_cancel || cancel_pressed_) return false;
    cancel_pressed_ = true;
    return true;
}

std::optional<std::string> SimulatedDevice::write_fails(std::uint64_t received, std::uint64_t chunks) {
    if (!options_.faults.fail_first_write || received * 2 < chunks) return std::nullopt;
    // Once per state dir: the retry after it succeeds.
    auto marker = state_dir_ / kWriteFaultMarker;
    std::error_code ec;
    if (std::filesystem::exists(marker, ec)) return std::nullopt;
    std::ofstream(marker) << "fired\n";
    return "injected fault: write of a chunk failed after " + std::to_string(received) + " of " +
           std::to_string(chunks);
}

Status SimulatedDevice::boot_health(const DeviceNvState& state) const {
    // The new image never comes up: the bootloader falls back to the old slots
    // before any health check of ours runs (no reason of its own to report).
    if (options_.faults.boot_fails && state.trial)
        return make_error(kNeverBooted, "the new image of campaign " + state.trial->campaign + " did not boot");
    return check_boot_health(health_, state);
}

}  // namespace fleetcast::device
