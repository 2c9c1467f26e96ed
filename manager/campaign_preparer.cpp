#include "manager/campaign_preparer.hpp"

#include <algorithm>

#include "common/log.hpp"
#include "manager/campaign_control.hpp"
#include "manager/campaign_planner.hpp"

namespace fleetcast::manager {

CampaignPreparer::CampaignPreparer(ManagerStore& store, FirmwareRepository& repo, Executor& executor,
                                   SchedulePublisher& schedules, Clock& clock)
    : store_(store), repo_(repo), executor_(executor), schedules_(schedules), clock_(clock) {}

std::vector<CampaignPreparer::Pair> CampaignPreparer::pairs_of(const std::vector<TargetRecord>& targets,
                                                               const std::vector<FirmwareManifest>& firmware) {
    std::vector<Pair> out;
    std::set<std::pair<std::string, std::string>> seen;  // (source, target) fw ids
    for (const auto& t : targets)
        for (const auto& fw : t.fw_ids) {
            auto image = std::find_if(firmware.begin(), firmware.end(), [&](const auto& m) { return m.fw_id == fw; });
            if (image == firmware.end()) continue;
            auto old = t.old_versions.find(image->component);
            const auto* source = old == t.old_versions.end()
                                     ? nullptr
                                     : image_of_version(firmware, image->model, image->component, old->second);
            if (source && source->sha256 == image->sha256) source = nullptr;
            if (!seen.insert({source ? source->fw_id : std::string(), image->fw_id}).second) continue;
            out.push_back(Pair{source ? std::optional<FirmwareManifest>(*source) : std::nullopt, *image});
        }
    return out;
}

std::optional<EncodeJob> CampaignPreparer::next_job(const Pair& p, const FirmwareRepository::Encodings& have) const {
    if (p.source) {
        const EncodingKey delta{p.source->sha256, p.target.sha256};
        if (have.made.count(delta)) return std::nullopt;
        if (!have.given_up.count(delta)) return repo_.delta_job(*p.source, p.target);
    }
    // No delta (none possible, or given up): the image crosses compressed when that saves.
    const EncodingKey packed{std::string(), p.target.sha256};
    if (have.made.count(packed) || have.given_up.count(packed)) return std::nullopt;
    return repo_.compress_job(p.target);
}

Expected<std::size_t> CampaignPreparer::wanted(const std::vector<TargetRecord>& targets,
                                               const std::vector<FirmwareManifest>& firmware) {
    auto have = repo_.encodings();
    if (!have) return have.error();
    std::set<EncodingKey> jobs;
    for (const auto& p : pairs_of(targets, firmware))
        if (auto job = next_job(p, *have)) jobs.insert(job->key());
    return jobs.size();
}

bool CampaignPreparer::has_outcomes() const {
    std::lock_guard lock(mailbox_->mu);
    return !mailbox_->done.empty();
}

Expected<std::size_t> CampaignPreparer::collect() {
    std::vector<EncodeOutcome> done;
    {
        std::lock_guard lock(mailbox_->mu);
        done.swap(mailbox_->done);
    }
    std::optional<Error> first;
    for (const auto& o : done) {
        submitted_.erase(o.job.key());
        // A failed write leaves the pair wanted: it is made again.
        auto stored = repo_.record(o);
        if (!stored && !first) first = stored.error();
    }
    if (first) return *first;
    return done.size();
}

Status CampaignPreparer::advance() {
    auto campaigns = store_.campaigns_in_states({kCampaignPreparing, kCampaignPreparingPaused});
    if (!campaigns) return campaigns.error();
    std::map<std::string, std::vector<Pair>> still;
    if (campaigns->empty()) {
        pairs_.clear();
        return ok_status();
    }
    auto have = repo_.encodings();
    if (!have) return have.error();
    std::optional<std::vector<FirmwareManifest>> firmware;
    for (const auto& c : *campaigns) {
        auto known = pairs_.find(c.id);
        if (known == pairs_.end()) {
            if (!firmware) {
                auto all = store_.list_firmware();
                if (!all) return all.error();
                firmware.emplace();
                for (const auto& r : *all) firmware->push_back(r.manifest);
            }
            auto targets = store_.targets(c.id);
            if (!targets) return targets.error();
            known = pairs_.emplace(c.id, pairs_of(*targets, *firmware)).first;
        }
        bool ready = true;
        for (const auto& p : known->second) {
            auto job = next_job(p, *have);
            if (!job) continue;
            ready = false;
            const auto key = job->key();
            if (submitted_.count(key) || submitted_.size() >= kMaxSubmitted) continue;
            submitted_.insert(key);
            log_info("manager", "delta_submitted")
                .kv("campaign", c.id)
                .kv("kind", job->what())
                .kv("source", job->source ? job->source->fw_id : std::string("-"))
                .kv("target", job->target.fw_id);
            auto mailbox = mailbox_;
            const bool taken = executor_.submit([mailbox, job = std::move(*job)] {
                auto outcome = run_encode_job(job);
                std::lock_guard lock(mailbox->mu);
                mailbox->done.push_back(std::move(outcome));
            });
            if (!taken) submitted_.erase(key);  // the queue is full: submitted again on a later poll
        }
        if (ready && c.state == kCampaignPreparing) {
            auto st = send_out(c);
            if (!st) return st;
        } else {
            still.emplace(c.id, std::move(known->second));
        }
    }
    pairs_ = std::move(still);
    return ok_status();
}

Status CampaignPreparer::send_out(const CampaignRecord& c) {
    auto to = campaign_transition(c, CampaignEvent::Prepared, clock_.now());
    if (!to) return to.error();
    if (!*to) return ok_status();
    // Stored before the schedules go: a manager killed in between publishes them at start (republish_active).
    auto st = store_.set_campaign_state(c.id, **to);
    if (!st) return st;
    auto ready = c;
    ready.state = std::string(**to);
    auto targets = store_.targets(c.id);
    if (!targets) return targets.error();
    log_info("manager", "campaign_prepared").kv("campaign", c.id).kv("targets", targets->size()).kv("state", **to);
    return schedules_.publish(ready, *targets);
}

Status CampaignPreparer::poll() {
    while (true) {
        auto got = collect();
        if (!got) return got.error();
        auto st = advance();
        if (!st) return st;
        if (!has_outcomes()) return ok_status();
    }
}

}  // namespace fleetcast::manager
