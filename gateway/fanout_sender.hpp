#pragma once
// Publishes cached images to the site (R3, R4): a fan-out sends every chunk
// of an image once on the model topic; a repair sends the chunks one device
// asked for on that device's own topic. Chunks are read from the cache file
// one at a time and published while the transport has fewer than `window`
// unacknowledged messages; streams take turns so repairs are not starved by a
// long fan-out.
#include <cstddef>
#include <filesystem>
#include <list>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/messages.hpp"
#include "common/transport.hpp"

namespace fleetcast::gateway {

using FanoutKey = std::pair<std::string, std::string>;  // campaign, fw_id

class FanoutSender {
public:
    FanoutSender(Transport& transport, std::string gateway, std::size_t window);

    void start_fanout(const FanoutKey& key, const FirmwareManifest& m, const std::filesystem::path& file);
    // Queues the chunks of `ranges` (clipped to the image, at most max_chunks)
    // for one device; chunks already queued for it are not queued twice.
    // Returns the number of chunks newly queued.
    std::size_t queue_repair(const std::string& device, const FirmwareManifest& m, const std::filesystem::path& file,
                             const std::vector<ChunkRange>& ranges, std::size_t max_chunks);
    // Stops sending (R18): a fan-out nobody needs any more, a device's repairs.
    void stop_fanout(const FanoutKey& key);
    void drop_repairs(const std::string& device);
    // Publishes as much as the window allows; returns the fan-outs that ended.
    std::vector<FanoutKey> pump();
    bool idle() const { return streams_.empty(); }

private:
    struct Stream {
        bool fanout = false;
        FanoutKey key;       // fan-out
        std::string device;  // repair
        FirmwareManifest manifest;
        std::filesystem::path file;
        std::string topic;
        std::uint32_t next = 0;          // fan-out: next chunk index
        std::set<std::uint32_t> pending;  // repair: chunks still to send
        bool done() const { return fanout ? next >= manifest.chunk_count : pending.empty(); }
    };
    bool send_one(Stream& s);

    Transport& transport_;
    std::string gateway_;
    std::size_t window_;
    std::list<Stream> streams_;
};

}  // namespace fleetcast::gateway
