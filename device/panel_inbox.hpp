#pragma once
// The agent's side of the panel files (see panel_protocol.hpp): takes the
// request files, writes the responses and the view.
#include <time.h>

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
    // Reads and removes up to `max` request files (oldest name first). The
    // folder is listed only when it may have changed: its modification time
    // moved, it is recent (a request renamed in within the file system's
    // timestamp granularity of the last listing), or requests were left over.
    // One stat instead of a listing per poll: a simulator polls 1,000 panels
    // five times a second.
    std::vector<Item> take(std::size_t max);
    void answer(const PanelResponse& response);
    // Rewrites view.json when `json` differs from what was written last.
    void show(const std::string& json);

   private:
    std::filesystem::path dir_;
    std::string last_view_;
    bool dirs_ready_ = false;
    struct timespec listed_mtime_ {};  // the folder's time at the last listing that left nothing behind
    bool may_skip_ = false;
};

}  // namespace fleetcast::device
