#pragma once
// What the device panel shows (Figs. 26-28, 39-42), as JSON (view.json) built
// by the agent, and as terminal text rendered by `fleetcast-device panel`.
#include <map>
#include <memory>
#include <string>

#include "common/json.hpp"
#include "device/device_state.hpp"
#include "device/image_download.hpp"

namespace fleetcast::device {

struct DeviceConfig;

// Screens: normal | waiting (deferment running: defer, cancel) | updating
// (cancel) | postponed | ended (normal end, old -> new) | canceled.
std::string panel_view_json(const DeviceConfig& config, const DeviceNvState& state, DeviceStatus status, bool writing,
                            const std::map<std::string, std::unique_ptr<ImageDownload>>& downloads);

// The screen as lines of text, with the keys that apply to it.
std::string render_panel(const cJSON* view);

}  // namespace fleetcast::device
