#pragma once
// The device's non-volatile storage: DIR/state.json (atomic rewrite) and the
// slot files DIR/slots/{component}/{a|b}.img. A new directory gets a small
// generated "factory" image in slot a of every initial component.
#include <filesystem>
#include <string>

#include "common/error.hpp"
#include "device/device_state.hpp"

namespace fleetcast::device {

class DeviceStateStore {
   public:
    explicit DeviceStateStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

    // Loads state.json, or initialises a new directory with factory images.
    Expected<DeviceNvState> load_or_create(const std::string& model, const Versions& initial);
    Status save(const DeviceNvState& s);
    std::filesystem::path slot_path(const std::string& component, Slot slot) const;
    const std::filesystem::path& dir() const { return dir_; }

   private:
    std::filesystem::path state_path() const { return dir_ / "state.json"; }
    Expected<ComponentState> write_factory_image(const std::string& model, const std::string& component,
                                                 const std::string& version);
    std::filesystem::path dir_;
};

}  // namespace fleetcast::device
