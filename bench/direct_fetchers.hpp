#pragma once
// Scenario 5's fleet without a gateway cache: every virtual device fetches its
// whole image straight from the manager, as it would from a plain HTTP/OTA
// server. Each device uses the manager's real fetch protocol under its own
// site id (gw/{device}/fetch -> gw/{device}/fw/{fw}/chunk), so the manager
// serves it exactly as it serves a gateway. Missing chunks are asked again
// after a silence.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace fleetcast::bench {

struct DirectImage {
    std::string fw_id;
    std::uint32_t chunk_count = 0;
};

struct DirectResult {
    bool ok = false;
    double seconds = 0;
    std::uint64_t devices_complete = 0;
    std::uint64_t chunks_received = 0;
    std::string error;
};

// Device i fetches images[i % images.size()].
DirectResult run_direct_fetchers(const std::string& uri, int devices, const std::vector<DirectImage>& images,
                                 std::chrono::seconds timeout);

}  // namespace fleetcast::bench
