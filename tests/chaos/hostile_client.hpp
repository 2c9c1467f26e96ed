#pragma once
// A hostile MQTT client for the chaos run: subscribes to fleetcast/#, and
// publishes broken input on the topics it sees and on a given list of known
// topics (every row of topics.md with the run's ids). Each kind of hostile
// message is a flag, so a kind that breaks the product today can be switched
// off until its fix lands (FLEETCAST_CHAOS_HOSTILE, see hostile_kinds_from_env).
// Nothing it sends is a valid message: it never replays a seen message as is.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/blocking_queue.hpp"
#include "common/mqtt_session.hpp"
#include "common/outbox_transport.hpp"

namespace fleetcast::testing::chaos {

enum class HostileKind {
    MalformedJson,   // "{not json", "[1,", binary noise, "null"
    WrongTypes,      // a seen JSON message (same "type") with every other field's type changed
    WildcardIds,     // a seen JSON message with its ids replaced by "+", "#", "a/b", ...
    Empty,           // empty payload, not retained (never on schedule topics: see EmptySchedule)
    EmptyRetained,   // empty retained payload on state and manifest topics
    EmptySchedule,   // empty payload (retained) on gw/{gw}/schedule/{campaign}: "cleared" by a stranger
    Oversized,       // 2.5 MiB of JSON-looking text
    TruncatedChunk,  // a seen binary chunk cut short (inside the header, at it, inside the payload)
    TamperedChunk,   // a chunk with a correct header hash whose payload is not the signed one
    BadTopicIds,     // topics whose ids are not ids (spaces, 65+ characters, "..")
};

struct HostileKindInfo {
    HostileKind kind;
    const char* name;
    bool on_by_default;
    const char* note;
};
const std::vector<HostileKindInfo>& hostile_kinds();
std::string to_string(HostileKind k);

// FLEETCAST_CHAOS_HOSTILE: unset or "default" = every kind on by default;
// "all"; "none"; or a comma list of names, where "+name"/"-name" items add to
// or remove from the default set (e.g. "+empty_schedule", "-oversized").
std::set<HostileKind> hostile_kinds_from_env();

class HostileClient {
   public:
    HostileClient(const std::string& uri, std::uint32_t seed, std::set<HostileKind> kinds,
                  std::vector<std::string> known_topics);
    ~HostileClient();
    // Sends one burst over the known topics, then a few messages every 0.3-1.2 s until stop().
    void start();
    void stop();
    std::map<std::string, std::uint64_t> sent_by_kind() const;

   private:
    void run();
    void remember(const std::string& topic, const std::string& payload);
    void attack(const std::string& topic, HostileKind kind);
    std::vector<HostileKind> applicable(const std::string& topic) const;
    std::uint32_t pick(std::uint32_t n) { return n ? static_cast<std::uint32_t>(rng_() % n) : 0; }

    std::set<HostileKind> kinds_;
    std::vector<std::string> known_;
    std::mt19937 rng_;
    BlockingQueue<MqttEvent> queue_{8192};
    std::unique_ptr<MqttSession> session_;
    // Publishes leave from the outbox's thread: this client's thread must keep
    // draining the queue that Paho's receive thread waits on (fleetcast/# is busy).
    Outbox outbox_;
    std::unique_ptr<OutboxTransport> out_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::set<std::string> seen_;                  // every topic seen, sorted (a seeded pick is reproducible for a set)
    std::map<std::string, std::string> samples_;  // last JSON or chunk payload per topic (small ones)
    std::chrono::steady_clock::time_point last_oversized_{};
    std::set<std::size_t> own_;  // hashes of what this client sent: never taken as a sample to mutate again
    mutable std::mutex mu_;
    std::map<std::string, std::uint64_t> sent_;
};

}  // namespace fleetcast::testing::chaos
