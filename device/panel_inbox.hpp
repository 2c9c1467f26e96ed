#pragma once
// The agent's side of the panel files (see panel_protocol.hpp): takes the
// request files, writes the responses and the view.
#include <filesystem>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "device/panel_protocol.hpp"

namespace fleetcast::device {

class PanelInbox {
   public:
    explicit PanelInbox(std::filesystem::path state_dir) : dir_(std::move(state_dir)) {}

    struct Item {
        std::string id;  // the file name without .json
        Expected<PanelRequest> request;
    };
    // Reads and removes up to `max` request files (oldest name first).
    std::vector<Item> take(std::size_t max);
    void answer(const PanelResponse& response);
    // Rewrites view.json when `json` differs from what was written last.
    void show(const std::string& json);

   private:
    std::filesystem::path dir_;
    std::string last_view_;
    bool dirs_ready_ = false;
};

}  // namespace fleetcast::device
