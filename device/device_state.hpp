#pragma once
// What a device keeps across power cycles (DIR/state.json): which slot of each
// component boots, the version and hash in it, the boot count, the campaign
// whose install ends at the next power-on, and an update in progress (so a
// restarted agent resumes it). Encoded with the common JSON helpers.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/messages.hpp"

namespace fleetcast::device {

enum class Slot { A, B };
std::string_view to_string(Slot s);
Expected<Slot> slot_from_string(std::string_view s);
inline Slot other(Slot s) {
    return s == Slot::A ? Slot::B : Slot::A;
}

struct ComponentState {
    Slot active = Slot::A;
    std::string version;
    std::string sha256;  // of the image in the active slot
};

struct UpdateInProgress {
    std::string campaign;
    std::vector<FirmwareManifest> firmware;  // one per component being written
};

// Set by the boot pointer flip; settled by the next power-on (device/boot_health.hpp).
struct BootTrial {
    std::string campaign;
    std::map<std::string, std::string> fw_ids;           // updated component -> image now in its active slot
    std::map<std::string, ComponentState> previous;      // what those components booted before
    bool attempted = false;                              // the trial boot has started
};

struct DeviceNvState {
    std::map<std::string, ComponentState> components;
    std::uint64_t boot_count = 0;
    std::string pending_campaign;  // set by the boot pointer flip, reported at the next power_on
    std::optional<UpdateInProgress> update;
    std::optional<BootTrial> trial;

    Versions versions() const;
};

std::string encode_nv_state(const DeviceNvState& s);
Expected<DeviceNvState> decode_nv_state(std::string_view text);

}  // namespace fleetcast::device
