#pragma once
// When to fan an image out, and which of its chunks (topics.md flow step 4):
// per (campaign, image), the devices it was offered to, those that answered
// ready, and the union of the chunks the ready devices lack (a device that
// resumes a partial image says what it lacks in its ready; one that does not
// say lacks everything). A fan-out starts once every offered device is ready,
// or, with at least one device ready (nobody listening means nothing to
// multicast to), once no offer or answer came for the ready timeout (answers
// from a large site arrive over many seconds: the plan waits while they keep
// coming), and at the latest `max_wait` after the first offer.
// After it ended, a late ready is answered at once (fanout_done; the device
// repairs what it lacks). reset_all() starts every plan over: the devices the
// gateway re-offers after a lost broker session then share one multicast of
// what they lack instead of each repairing on its own.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/messages.hpp"
#include "gateway/fanout_sender.hpp"

namespace fleetcast::gateway {

class FanoutPlans {
   public:
    enum class Phase { Waiting, Sending, Done };

    void offered(const FanoutKey& key, const std::string& device, TimePoint now);
    // Records a ready answer. `missing`: the chunks the device lacks (nullptr:
    // unknown, i.e. all of them). Returns the plan's phase after the answer
    // (Done: the device should get fanout_done right away).
    Phase ready(const FanoutKey& key, const std::string& device, TimePoint now, std::uint32_t chunk_count,
                const std::vector<ChunkRange>* missing);
    // The device answered ready and the fan-out it waits for has not
    // started: it will bring what the device lacks.
    bool awaiting(const FanoutKey& key, const std::string& device) const;
    // The device no longer takes part (its job ended, it was postponed).
    void withdraw(const std::string& campaign, const std::string& device);
    // The campaign's fan-outs still sending with no device left offered or
    // ready (e.g. the only one was suspended): nothing needs them.
    std::vector<FanoutKey> unattended(const std::string& campaign) const;
    struct Start {
        FanoutKey key;
        std::vector<bool> chunks;  // the chunks to send (the ready devices' union)
    };
    // Plans that should start sending now; they move to Sending.
    std::vector<Start> due(TimePoint now, Millis ready_timeout, Millis max_wait);
    // A fan-out ended: the plan is Done; returns the devices that were ready.
    std::vector<std::string> finished(const FanoutKey& key);
    void forget_campaign(const std::string& campaign);
    // Drops every plan: the next offers and answers start new ones.
    void reset_all();

   private:
    struct Plan {
        Phase phase = Phase::Waiting;
        TimePoint first_offer{};
        TimePoint last_change{};  // latest offer or answer
        std::set<std::string> offered;
        std::set<std::string> ready;
        std::vector<bool> needed;  // union of the ready devices' missing chunks
    };
    Plan& plan(const FanoutKey& key, TimePoint now);
    std::map<FanoutKey, Plan> plans_;
};

}  // namespace fleetcast::gateway
