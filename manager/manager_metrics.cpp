#include "manager/manager_metrics.hpp"

#include "common/job_rules.hpp"
#include "common/log.hpp"
#include "common/operator_campaigns.hpp"
#include "manager/campaign_control.hpp"

namespace fleetcast::manager {

namespace {

using Type = MetricFamily::Type;

bool all_terminal(const std::map<JobState, std::uint64_t>& counts) {
    for (const auto& [state, n] : counts)
        if (n > 0 && !job_rules::is_terminal(state)) return false;
    return true;
}

void add_link_families(std::vector<MetricFamily>& out, const std::map<std::string, StoreTotals::Link>& links) {
    MetricFamily chunks{"fleetcast_manager_chunks_sent_total",
                        "Chunk messages the manager served to each gateway (manager -> gateway link)",
                        Type::Counter,
                        {}};
    MetricFamily bytes{"fleetcast_manager_chunks_sent_bytes_total",
                       "Image bytes carried by those chunks (chunk headers not counted)",
                       Type::Counter,
                       {}};
    MetricFamily resent{"fleetcast_manager_chunks_resent_total",
                        "Chunks served to a gateway beyond one copy of each image (it asked again)",
                        Type::Counter,
                        {}};
    for (const auto& [gateway, l] : links) {
        chunks.add(static_cast<double>(l.chunks), {{"gateway", gateway}});
        bytes.add(static_cast<double>(l.bytes), {{"gateway", gateway}});
        resent.add(static_cast<double>(l.resent_chunks), {{"gateway", gateway}});
    }
    out.push_back(std::move(chunks));
    out.push_back(std::move(bytes));
    out.push_back(std::move(resent));
}

MetricFamily by_status(const std::string& name, const std::string& help,
                       const std::map<std::string, std::uint64_t>& counts) {
    MetricFamily f{name, help, Type::Gauge, {}};
    for (const auto& [status, n] : counts) f.add(static_cast<double>(n), {{"status", status}});
    return f;
}

}  // namespace

std::vector<MetricFamily> ManagerMetrics::families() {
    std::vector<MetricFamily> out;
    auto& store = manager_.store();
    auto totals = store.metrics_totals();
    if (totals) {
        const auto now = clock_.now();
        MetricFamily campaigns{"fleetcast_manager_campaigns",
                               "Campaigns by status (preparing, scheduled, running, paused, canceled, ended)",
                               Type::Gauge,
                               {}};
        std::map<std::string, std::uint64_t> by_campaign_status;
        for (auto s : {kCampaignPreparingState, kCampaignScheduled, kCampaignRunning, kCampaignPausedState,
                       kCampaignCanceledState, kCampaignEndedState})
            by_campaign_status[std::string(s)] = 0;
        MetricFamily campaign_jobs{"fleetcast_manager_campaign_jobs",
                                   "Jobs of each campaign not over (some job has not ended) by state",
                                   Type::Gauge,
                                   {}};
        std::map<JobState, std::uint64_t> jobs;
        for (auto s : job_rules::kAllStates) jobs[s] = 0;
        std::map<std::string, std::map<JobState, std::uint64_t>> still_settled;
        for (const auto& c : totals->campaigns) {
            by_campaign_status[campaign_status(c, now)] += 1;
            auto settled = settled_.find(c.id);
            std::map<JobState, std::uint64_t> counts;
            if (settled != settled_.end()) {
                counts = std::move(settled->second);
            } else {
                auto read = store.target_state_counts(c.id);
                if (!read) {
                    ++errors_;
                    log_warn("manager", "metrics_failed").kv("campaign", c.id).kv("error", read.error().str());
                    continue;
                }
                counts = std::move(*read);
            }
            for (const auto& [state, n] : counts) jobs[state] += n;
            bool over = (c.state == kCampaignEnded || c.state == kCampaignCanceled) && all_terminal(counts);
            if (over) {
                still_settled[c.id] = std::move(counts);
                continue;
            }
            for (auto s : job_rules::kAllStates) {
                auto it = counts.find(s);
                campaign_jobs.add(it == counts.end() ? 0 : static_cast<double>(it->second),
                                  {{"campaign", c.id}, {"state", std::string(to_string(s))}});
            }
        }
        settled_ = std::move(still_settled);  // campaigns no longer stored drop out
        for (const auto& [status, n] : by_campaign_status) campaigns.add(static_cast<double>(n), {{"status", status}});
        MetricFamily all_jobs{"fleetcast_manager_jobs", "Jobs of every campaign by state", Type::Gauge, {}};
        for (const auto& [state, n] : jobs)
            all_jobs.add(static_cast<double>(n), {{"state", std::string(to_string(state))}});
        out.push_back(std::move(campaigns));
        out.push_back(std::move(all_jobs));
        out.push_back(std::move(campaign_jobs));
        out.push_back(
            by_status("fleetcast_manager_devices", "Devices by the status they last reported", totals->devices));
        out.push_back(by_status("fleetcast_manager_gateways",
                                "Gateways by the status they last reported (online, offline)", totals->gateways));
        add_link_families(out, totals->links);
    } else {
        ++errors_;
        log_warn("manager", "metrics_failed").kv("error", totals.error().str());
    }
    out.push_back(
        {"fleetcast_manager_chunks_queued", "Chunks asked for by gateways and not yet sent", Type::Gauge, {}});
    out.back().add(static_cast<double>(manager_.chunk_server().queued_chunks()));
    out.push_back(events_family("fleetcast_manager", manager_.counters().snapshot()));
    out.push_back({"fleetcast_manager_metrics_errors_total",
                   "Scrapes that could not read part of the database (those families were left out)",
                   Type::Counter,
                   {}});
    out.back().add(static_cast<double>(errors_));
    return out;
}

}  // namespace fleetcast::manager
