#pragma once
// Answers a gateway's `fetch` with the chunks it asked for, read one at a time
// from the image file (never the whole image). Requests are queued and sent
// while the transport has room, so a large request neither blocks the loop
// nor fills memory; what was sent is added up per (gateway, firmware).
#include <cstdint>
#include <deque>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/chunk_file_reader.hpp"
#include "common/counters.hpp"
#include "common/transport.hpp"
#include "manager/firmware_repository.hpp"
#include "manager/manager_store.hpp"

namespace fleetcast::manager {

inline constexpr std::uint32_t kMaxChunksPerFetch = 1024;
inline constexpr std::uint32_t kMaxQueuedChunksPerGateway = 4 * kMaxChunksPerFetch;

class ChunkServer {
   public:
    ChunkServer(Transport& transport, FirmwareRepository& repo, ManagerStore& store, Counters& counters)
        : transport_(transport), repo_(repo), store_(store), counters_(counters) {}

    // Validates a fetch from `gateway` and queues its chunks. An error means
    // bad input: nothing is queued.
    Status on_fetch(const std::string& gateway, std::string_view payload);
    // Queues every chunk of an image for `gateway`, unasked (push mode).
    void push_image(const std::string& gateway, const FirmwareManifest& m);
    // Sends queued chunks while fewer than `window` publishes are in flight.
    void pump();
    std::uint64_t queued_chunks() const;

    std::size_t window = 128;

   private:
    struct Job {
        std::string gateway;
        FirmwareManifest manifest;
        std::filesystem::path image;
        std::uint32_t next = 0;
        std::uint32_t last = 0;
    };
    std::uint64_t queued_for(const std::string& gateway) const;
    Transport& transport_;
    FirmwareRepository& repo_;
    ManagerStore& store_;
    Counters& counters_;
    std::deque<Job> jobs_;
    ChunkFileReader reader_;  // the images being sent, kept open
};

}  // namespace fleetcast::manager
