#pragma once
// The raw baselines, in the same run and through the same broker as the fleet:
// plain Paho clients, QoS 1, no storage, no hashing, no protocol.
//  - raw_fanout: `subscribers` clients (one process, connected in parallel),
//    client i subscribed to topic i % topics; one publisher sends `bytes` per
//    topic in `chunk_size` messages, topics taking turns; timed from the first
//    publish to the last byte at the last subscriber.
//  - raw_stream: one publisher, one subscriber, `bytes` in `chunk_size` messages.
#include <chrono>
#include <cstdint>
#include <string>

namespace fleetcast::bench {

struct RawResult {
    bool ok = false;
    double seconds = 0;
    std::uint64_t bytes_delivered = 0;  // payload bytes received by all subscribers
    std::string error;
};

RawResult raw_fanout(const std::string& uri, int subscribers, int topics, std::uint64_t bytes, std::uint32_t chunk_size,
                     int window, std::chrono::seconds timeout);
RawResult raw_stream(const std::string& uri, std::uint64_t bytes, std::uint32_t chunk_size, int window,
                     std::chrono::seconds timeout);

}  // namespace fleetcast::bench
