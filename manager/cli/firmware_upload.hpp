#pragma once
// `fleetcast firmware add FILE`: streams the image to the manager over the
// operator request topics (common/operator_upload.hpp), resuming where the
// manager's copy ends, with a progress bar on a terminal.
#include <cstdint>
#include <optional>
#include <string>

#include "common/json.hpp"
#include "common/operator_messages.hpp"
#include "common/operator_upload.hpp"
#include "manager/cli/request_client.hpp"

namespace fleetcast::cli {

// The manifest the manager answered to the commit; nullopt (error printed,
// `exit_code` set: 2 for a refused input) when a step failed.
std::optional<Json> upload_image(RequestClient& client, const std::string& file, const FirmwareAddArgs& image,
                                 std::uint64_t piece_size, int& exit_code);

}  // namespace fleetcast::cli
