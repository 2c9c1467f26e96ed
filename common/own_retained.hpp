#pragma once
// A program's own retained message (its process or device state), watched on
// the broker: the program subscribes to its own state topic and, when what the
// broker holds there is empty or not something it published (a stranger's
// clear or copy, a stale copy, a broker that lost it), publishes its state
// again.
//
// The broker hands every publish back to its publisher (MQTT 3.1.1 has no
// no-local), in the order they were published, however many are on their way:
// each echo is matched against the publishes not yet seen back. Matching only
// the last few payloads made a loop: with more publishes in flight than it
// remembered, every echo looked foreign, each restore published once more and
// the program republished its state thousands of times a second.
#include <cstddef>
#include <deque>
#include <functional>
#include <string_view>

namespace fleetcast {

class OwnRetained {
   public:
    // At most this many publishes are waited for; the echo of an older one
    // reads as foreign (one extra publish, never a loop).
    static constexpr std::size_t kMaxOutstanding = 256;

    void published(std::string_view payload) {
        outstanding_.push_back(hash(payload));
        if (outstanding_.size() > kMaxOutstanding) outstanding_.pop_front();
    }

    // Takes each message seen on the topic. True when it is not ours: publish again.
    bool foreign(std::string_view payload) {
        if (payload.empty()) return true;
        const auto h = hash(payload);
        for (std::size_t i = 0; i < outstanding_.size(); ++i) {
            if (outstanding_[i] != h) continue;
            // Echoes come in order: the ones before it were overwritten on the broker.
            outstanding_.erase(outstanding_.begin(), outstanding_.begin() + static_cast<std::ptrdiff_t>(i) + 1);
            last_seen_ = h;
            seen_any_ = true;
            return false;
        }
        // The retained copy handed over again on a new subscription.
        return !(seen_any_ && h == last_seen_);
    }

    std::size_t outstanding() const { return outstanding_.size(); }

   private:
    static std::size_t hash(std::string_view payload) { return std::hash<std::string_view>{}(payload); }
    std::deque<std::size_t> outstanding_;  // published, not yet seen back (oldest first)
    std::size_t last_seen_ = 0;
    bool seen_any_ = false;
};

}  // namespace fleetcast
