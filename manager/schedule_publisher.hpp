#pragma once
// Publishes the retained per-gateway schedules of a campaign, clears them when
// the gateway's targets have all ended, and ends the campaign with its last target.
#include <map>
#include <string>
#include <vector>

#include "common/transport.hpp"
#include "manager/manager_store.hpp"
#include "manager/manifest_signer.hpp"

namespace fleetcast::manager {

class SchedulePublisher {
   public:
    SchedulePublisher(Transport& transport, ManagerStore& store, Clock& clock, const ManifestSigner& signer)
        : transport_(transport), store_(store), clock_(clock), signer_(signer) {}

    // One retained schedule per gateway concerned by `targets`. Issue 16
    // item 2: only the targets of the campaign's open waves; a gateway with
    // none of those gets no schedule.
    Status publish(const CampaignRecord& campaign, const std::vector<TargetRecord>& targets);
    // After a target of `campaign` on `gateway` ended.
    Status settle(const std::string& campaign, const std::string& gateway);
    // Removes the retained schedule of `campaign` for `gateway` from the
    // broker (an empty retained message): its targets ended, or it was canceled.
    Status clear(const std::string& campaign, const std::string& gateway, const char* why);
    // At start: re-publishes the manifests, and the schedules that still have
    // running targets (a broker restarted without persistence lost them).
    Status republish_active();
    // R27: publishes the schedule of `campaign` for `gateway` again (every
    // target of the campaign on that gateway in an open wave); also when a
    // wave opens.
    Status republish(const std::string& campaign, const std::string& gateway);
    // Whether `payload`, seen on `topic`, is what this manager last published
    // there: the same bytes (our own echo), or a schedule with the same
    // campaign, times, retry policy, devices and images (signatures aside: a
    // re-publication may re-sign), e.g. the copy a previous run retained.
    bool is_current(const std::string& topic, const std::string& payload) const;

   private:
    // publish() for the targets of one gateway (`gateway`) or any.
    Status publish_released(const CampaignRecord& campaign, const std::vector<TargetRecord>& targets,
                            const std::optional<std::string>& gateway);
    Expected<std::vector<FirmwareManifest>> manifests();
    // Every manifest of the schedule signed and valid until the campaign can end.
    Status sign_firmware(Schedule& schedule);
    Transport& transport_;
    ManagerStore& store_;
    Clock& clock_;
    const ManifestSigner& signer_;
    struct Published {
        std::string sha256;  // of the payload
        Schedule schedule;   // without the manifests' chunk lists
    };
    std::map<std::string, Published> published_;  // by topic: the last schedule published there
};

}  // namespace fleetcast::manager
