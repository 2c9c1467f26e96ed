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
#include "device/update_machine.hpp"

namespace fleetcast::device {

enum class Slot { A, B };
std::string_view to_string(Slot s);
Expected<Slot> slot_from_string(std::string_view s);
inline Slot other(Slot s) { return s == Slot::A ? Slot::B : Slot::A; }

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
    std::map<std::string, std::string> fw_ids;       // updated component -> image now in its active slot
    std::map<std::string, ComponentState> previous;  // what those components booted before
    bool attempted = false;                          // the trial boot has started
};

// A communication request the device answers only after its deferment
// period (R12): the panel's waiting screen, with defer and cancel.
struct PendingRequest {
    std::string campaign;
    std::vector<FirmwareManifest> firmware;
    TimePoint answer_at{};
};

// The device's own condition (R13): busy with a job, or a service call error.
struct Condition {
    DeviceStatus status = DeviceStatus::Idle;  // idle, busy or error
    std::string activity;                      // busy: printing, copying, scanning
    std::string service_call;                  // error: A, B, C or D (Fig. 12)
};

// How the last update ended, for the panel's "ended normally" screen.
struct LastUpdate {
    std::string campaign;
    std::string result;  // normal_end | canceled
    Versions old_versions;
    Versions new_versions;
    TimePoint at{};
};

struct DeviceNvState {
    // Which state the update is in; the optionals below are that state's data.
    UpdateState update_state = UpdateState::Idle;
    std::map<std::string, ComponentState> components;
    std::uint64_t boot_count = 0;
    std::string pending_campaign;  // set by the boot pointer flip, reported at the next power_on
    // The update handler step running now (docs/update-handlers.md), stored
    // before it runs: a power cut during it resumes (install, commit) or rolls back.
    std::string handler_step;
    std::optional<UpdateInProgress> update;
    std::optional<BootTrial> trial;
    std::optional<DefermentParam> deferment;  // Fig. 36
    std::optional<PendingRequest> pending_request;
    std::optional<TimePoint> postponed_until;  // the gateway moved the update here (panel display)
    std::string held_campaign;  // the operator suspended the update of this campaign (panel display, R19)
    Condition condition;
    std::optional<LastUpdate> last_update;

    Versions versions() const;
};

std::string encode_nv_state(const DeviceNvState& s);
// {"campaign","result","old","new","at"} under "last_update" (state file and panel view).
void put_last_update(cJSON* obj, const LastUpdate& u);
// A file without "update_state" (written before it existed) gets the state
// its optionals imply (update_state_of); one with it must carry that state's data.
Expected<DeviceNvState> decode_nv_state(std::string_view text);
UpdateState update_state_of(const DeviceNvState& s);

}  // namespace fleetcast::device
