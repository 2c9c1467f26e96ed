#pragma once
// The raw baselines, in the same run and through the same broker as the fleet:
// plain Paho clients, QoS 1, no storage, no hashing, no protocol.
//  - raw_fanout: `subscribers` clients (one process, connected in parallel),
//    client i subscribed to topic i % topics; one publisher sends `bytes` per
//    topic in `chunk_size` messages, topics taking turns; timed from the first
//    publish to the last byte at the last subscriber.
//  - raw_stream: one publisher, one subscriber, `bytes` in `chunk_size` messages.
//  - with RawWork ("raw + device work"): each subscriber also does what no
//    update system can skip: SHA-256 of every chunk and a write of it to its
//    own file (pwrite at its offset), on `workers` threads (the callback only
//    hands the message over, as the device simulators' Paho callbacks do). A
//    subscriber's bytes count once written, so the time is to the last write.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace fleetcast::bench {

struct RawResult {
    bool ok = false;
    double seconds = 0;
    std::uint64_t bytes_delivered = 0;  // payload bytes received by all subscribers
    std::uint64_t messages_delivered = 0;
    double cpu_s = 0;       // this process's CPU (user + system) during the run: publisher, subscribers, work
    double work_cpu_s = 0;  // of which the SHA-256 + write alone (thread CPU time around them)
    std::string error;
};

struct RawWork {
    std::filesystem::path dir;  // one file per subscriber, removed afterwards
    int workers = 4;
};

RawResult raw_fanout(const std::string& uri, int subscribers, int topics, std::uint64_t bytes, std::uint32_t chunk_size,
                     int window, std::chrono::seconds timeout, const std::optional<RawWork>& work = std::nullopt);
RawResult raw_stream(const std::string& uri, std::uint64_t bytes, std::uint32_t chunk_size, int window,
                     std::chrono::seconds timeout);

}  // namespace fleetcast::bench
