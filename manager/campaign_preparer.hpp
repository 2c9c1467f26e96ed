#pragma once
// Issue 17 follow-up: a campaign's deltas are made off the loop. A campaign
// that wants deltas (or compressed images) not made yet is stored
// `preparing`: its schedules are held. The preparer submits each artifact
// to an Executor (a worker thread in the daemon: one, bounded queue); the
// worker touches files only and leaves its outcome in a mailbox; poll(), on
// the loop, stores the outcomes (all SQLite writes stay on the loop), submits
// what the preparing campaigns still want (a compressed image after a delta
// given up) and, once a campaign has everything it can get, moves it to
// active (the Prepared transition of campaign_control.cpp) and publishes its
// schedules exactly as campaign_create did before. Everything it acts on is
// in the database (the campaign's state, made and given-up artifacts): a
// restarted manager's first poll() resumes the preparation.
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/executor.hpp"
#include "manager/firmware_repository.hpp"
#include "manager/manager_store.hpp"
#include "manager/schedule_publisher.hpp"

namespace fleetcast::manager {

class CampaignPreparer {
   public:
    // At most this many artifacts submitted and not handed back at once (the
    // rest wait in the database's terms: wanted, neither made nor given up).
    static constexpr std::size_t kMaxSubmitted = 8;

    CampaignPreparer(ManagerStore& store, FirmwareRepository& repo, Executor& executor, SchedulePublisher& schedules,
                     Clock& clock);

    // How many artifacts `targets` want that are neither made nor given up
    // (0: the campaign can go out at once). Deltas first: a compressed
    // image wanted only after its delta is given up is not counted.
    Expected<std::size_t> wanted(const std::vector<TargetRecord>& targets,
                                 const std::vector<FirmwareManifest>& firmware);
    // Stores what the worker handed back, submits what preparing campaigns
    // still want, and sends out those that have it all. Until nothing more
    // comes back at once (an inline executor runs each job inside submit).
    Status poll();
    // The worker handed something back that poll() has not stored yet.
    bool has_outcomes() const;
    // Artifacts submitted and not stored yet.
    std::size_t submitted() const { return submitted_.size(); }

   private:
    struct Pair {                                // one (source image, target image) a campaign's targets need
        std::optional<FirmwareManifest> source;  // none: the compressed image
        FirmwareManifest target;
    };
    struct Mailbox {
        std::mutex mu;
        std::vector<EncodeOutcome> done;
    };
    static std::vector<Pair> pairs_of(const std::vector<TargetRecord>& targets,
                                      const std::vector<FirmwareManifest>& firmware);
    // The artifact `p` needs next, or nullopt when it has all it can get.
    std::optional<EncodeJob> next_job(const Pair& p, const FirmwareRepository::Encodings& have) const;
    Expected<std::size_t> collect();
    Status advance();
    Status send_out(const CampaignRecord& c);

    ManagerStore& store_;
    FirmwareRepository& repo_;
    Executor& executor_;
    SchedulePublisher& schedules_;
    Clock& clock_;
    std::shared_ptr<Mailbox> mailbox_ = std::make_shared<Mailbox>();  // shared with tasks still on the worker
    std::set<EncodingKey> submitted_;
    std::map<std::string, std::vector<Pair>> pairs_;  // per preparing campaign, read once
};

}  // namespace fleetcast::manager
