#pragma once
// Publishes cached images to the site (R3, R4): a fan-out sends the chunks of
// an image that its listening devices lack (all of them for fresh devices)
// once on the model topic; a repair sends the chunks one device asked for on
// that device's own topic. Chunks are read from the cache file one at a time
// and published while the transport has fewer than `window` unacknowledged
// messages; streams take turns so repairs are not starved by a long fan-out.
// Verify on read: every chunk read from the cache is checked against the
// signed manifest's chunk SHA-256 before it is published. A chunk that does
// not match (or cannot be read) is never sent: its streams hold at that chunk
// and take_corrupt() hands it to the gateway, which re-fetches it from the
// manager and calls unblock() once the cache holds a good copy.
// Acknowledged marks: the broker acknowledges QoS 1 publishes in order, so
// when k publishes are in flight every earlier one was accepted. For each
// fan-out the sender tracks the first chunk index not yet known accepted
// ("every chunk it sends below the mark reached the listening devices'
// sessions"); take_marks() hands changed marks to the gateway, which stores
// them so a restarted gateway does not send those chunks again.
#include <cstddef>
#include <deque>
#include <filesystem>
#include <list>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/chunk_file_reader.hpp"
#include "common/messages.hpp"
#include "common/transport.hpp"

namespace fleetcast::gateway {

using FanoutKey = std::pair<std::string, std::string>;  // campaign, fw_id

class FanoutSender {
   public:
    FanoutSender(Transport& transport, std::string gateway, std::size_t window);

    // chunks: which chunks to send (one flag per chunk; empty = all).
    // Both fail, sending nothing, when the ids make no topic (topics.hpp).
    Status start_fanout(const FanoutKey& key, const FirmwareManifest& m, const std::filesystem::path& file,
                        std::vector<bool> chunks = {});
    // Queues the chunks of `ranges` (clipped to the image, at most max_chunks)
    // for one device; chunks already queued for it are not queued twice.
    // Returns the number of chunks newly queued.
    Expected<std::size_t> queue_repair(const std::string& device, const FirmwareManifest& m,
                                       const std::filesystem::path& file, const std::vector<ChunkRange>& ranges,
                                       std::size_t max_chunks);
    // Stops sending (R18): a fan-out nobody needs any more, a device's repairs.
    void stop_fanout(const FanoutKey& key);
    void drop_repairs(const std::string& device);
    void stop_all();
    // Publishes as much as the window allows; returns the fan-outs that ended.
    std::vector<FanoutKey> pump();
    bool idle() const { return streams_.empty(); }
    // Fan-outs whose acknowledged mark moved since the last call, with the mark.
    std::map<FanoutKey, std::uint32_t> take_marks();
    // Chunks found corrupt in the cache since the last call (fw_id, index).
    std::vector<std::pair<std::string, std::uint32_t>> take_corrupt();
    // The cache holds a verified copy of `fw_id` again: held streams go on.
    void unblock(const std::string& fw_id);

   private:
    struct Stream {
        bool fanout = false;
        FanoutKey key;       // fan-out
        std::string device;  // repair
        FirmwareManifest manifest;
        std::filesystem::path file;
        std::string topic;
        std::uint32_t next = 0;                                       // fan-out: next chunk index to send
        std::vector<bool> chunks;                                     // fan-out: the chunks to send (empty = all)
        std::set<std::uint32_t> pending;                              // repair: chunks still to send
        std::uint32_t sent = 0;                                       // chunks published
        std::deque<std::pair<std::uint64_t, std::uint32_t>> unacked;  // fan-out: (publish seq, chunk index)
        bool done() const { return fanout ? next >= manifest.chunk_count : pending.empty(); }
        void skip_unneeded() {
            while (fanout && !chunks.empty() && next < manifest.chunk_count && !chunks[next]) ++next;
        }
    };
    enum class Sent { Yes, TransportBusy, Blocked };
    Sent send_one(Stream& s);
    // Moves the acknowledged marks of running and finished fan-outs.
    void update_marks();

    Transport& transport_;
    std::string gateway_;
    std::size_t window_;
    std::list<Stream> streams_;
    ChunkFileReader reader_;  // the cache files being sent, kept open
    std::uint64_t seq_ = 0;   // publishes made
    // Finished fan-outs whose last chunks are not yet known accepted.
    std::map<FanoutKey, std::deque<std::pair<std::uint64_t, std::uint32_t>>> finishing_;
    std::map<FanoutKey, std::uint32_t> chunk_counts_;  // of the fan-outs in finishing_
    std::map<FanoutKey, std::uint32_t> marks_changed_;
    std::set<std::string> blocked_;  // fw_ids whose streams hold at a corrupt cached chunk
    std::vector<std::pair<std::string, std::uint32_t>> corrupt_;
};

}  // namespace fleetcast::gateway
