#pragma once
// How the device panel talks to a running agent (R20): through files in the
// device's state directory, so it works for a real agent and for each virtual
// device of a simulator alike, with no network and no extra credentials.
//   DIR/panel/requests/{id}.json   written by `fleetcast-device panel` (temp + rename)
//   DIR/panel/responses/{id}.json  written by the agent once it acted on the request
//   DIR/panel/view.json            what the panel shows, rewritten by the agent on change
// The agent polls requests/ a few times a second, handles each file once and
// deletes it; a malformed request gets an error response, a log line and a
// counter (bad_panel_request).
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "device/device_state.hpp"

namespace fleetcast::device {

struct PanelRequest {
    std::string id;            // [A-Za-z0-9._-]{1,64}: also the file name
    std::string action;        // defer | cancel | set_deferment | set_status
    std::optional<Millis> by;  // defer: how much later (absent: the gateway's period)
    Millis value{0};           // set_deferment
    Condition condition;       // set_status
};

struct PanelResponse {
    std::string id;
    bool ok = false;
    std::string message;
};

std::string encode(const PanelRequest& r);
Expected<PanelRequest> decode_panel_request(std::string_view text);
std::string encode(const PanelResponse& r);
Expected<PanelResponse> decode_panel_response(std::string_view text);

inline std::filesystem::path panel_requests_dir(const std::filesystem::path& state_dir) {
    return state_dir / "panel" / "requests";
}
inline std::filesystem::path panel_responses_dir(const std::filesystem::path& state_dir) {
    return state_dir / "panel" / "responses";
}
inline std::filesystem::path panel_view_path(const std::filesystem::path& state_dir) {
    return state_dir / "panel" / "view.json";
}

}  // namespace fleetcast::device
