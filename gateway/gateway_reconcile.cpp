// R27: what the gateway tells the manager so the two notice when they
// disagree: a digest of its jobs per campaign, every job of a campaign again
// when the manager asks (resync), and a report when a device talks about a
// campaign the gateway holds no job of.
#include <map>

#include "common/job_digest.hpp"
#include "common/log.hpp"
#include "common/topics.hpp"
#include "gateway/gateway.hpp"

namespace fleetcast::gateway {

namespace {
std::string_view event_type(const DeviceEvent& e) {
    return std::visit(
        [](const auto& ev) -> std::string_view {
            using T = std::decay_t<decltype(ev)>;
            if constexpr (std::is_same_v<T, ReadyEvent>) return "ready";
            else if constexpr (std::is_same_v<T, NeedEvent>) return "need";
            else if constexpr (std::is_same_v<T, ProgressEvent>) return "progress";
            else if constexpr (std::is_same_v<T, PowerOnEvent>) return "power_on";
            else if constexpr (std::is_same_v<T, ErrorEvent>) return "error";
            else if constexpr (std::is_same_v<T, DeferredEvent>) return "deferred";
            else if constexpr (std::is_same_v<T, DeferRequestEvent>) return "defer";
            else return "canceled";
        },
        e);
}
}  // namespace

void Gateway::send_digest() {
    std::map<std::string, std::vector<JobStateRow>> rows;
    for (const auto& [c, s] : campaigns_.schedules()) rows[c];  // a schedule without jobs is held too
    for (const auto& [key, job] : jobs_.rows()) rows[key.first].emplace_back(key.second, job.state);
    DigestReport r;
    r.at = clock_.now();
    for (auto& [campaign, jobs] : rows) {
        if (r.campaigns.size() == kMaxDigestCampaigns) {
            log_warn("gateway", "digest_truncated").kv("gateway", config_.id).kv("campaigns", rows.size());
            break;
        }
        CampaignDigest d;
        d.campaign = campaign;
        d.jobs = jobs.size();
        for (const auto& [device, state] : jobs)
            if (!is_terminal(state)) ++d.open;
        d.digest = job_digest(std::move(jobs));
        r.campaigns.push_back(std::move(d));
    }
    last_digest_at_ = r.at;
    unknown_reported_.clear();
    auto st = transport_.publish(topics::gw_report(config_.id), encode(r));
    if (!st) {
        log_warn("gateway", "digest_failed").kv("gateway", config_.id).kv("error", st.error().str());
        return;
    }
    log_info("gateway", "digest_sent").kv("gateway", config_.id).kv("campaigns", r.campaigns.size());
}

void Gateway::check_digest(TimePoint now) {
    // now < last: the clock was set back; start the interval again from now.
    if (now - last_digest_at_ >= config_.digest_interval || now < last_digest_at_) send_digest();
}

void Gateway::on_resync(const GwResyncCmd& c) {
    std::size_t n = 0;
    for (auto it = jobs_.rows().lower_bound({c.campaign, ""});
         it != jobs_.rows().end() && it->first.first == c.campaign; ++it, ++n)
        jobs_.report(it->second);
    log_info("gateway", "resync_answered")
        .kv("gateway", config_.id)
        .kv("campaign", c.campaign)
        .kv("request", c.request_id)
        .kv("jobs", n);
    // Nothing held: the digest tells the manager so (it re-publishes the schedule).
    if (n == 0) send_digest();
}

void Gateway::report_unknown_job(const std::string& campaign, const std::string& device, const DeviceEvent& event) {
    // Once per campaign between two digests: a device's stream of progress
    // events must not turn into a stream of schedule re-publications.
    if (!unknown_reported_.insert(campaign).second) return;
    counters_.add("unknown_job_reported");
    UnknownJobReport r{campaign, device, std::string(event_type(event))};
    auto st = transport_.publish(topics::gw_report(config_.id), encode(r));
    if (!st)
        log_warn("gateway", "report_failed")
            .kv("campaign", campaign)
            .kv("device", device)
            .kv("error", st.error().str());
    log_info("gateway", "unknown_job_reported")
        .kv("gateway", config_.id)
        .kv("campaign", campaign)
        .kv("device", device)
        .kv("event", r.event);
}

}  // namespace fleetcast::gateway
