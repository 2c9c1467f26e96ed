// What the gateway's --metrics-listen endpoint serves (README "Metrics"). Its
// cost is one pass over the job table in memory and over the measured device
// rates; no series is per device.
#include "gateway/gateway_metrics.hpp"

#include <algorithm>

#include "common/job_rules.hpp"
#include "gateway/gateway.hpp"

namespace fleetcast::gateway {

namespace {

using Type = MetricFamily::Type;

void add_tally(std::vector<MetricFamily>& out, const std::string& name, const std::string& what,
               const WireCounts::Tally& t) {
    out.push_back({name + "_total", what, Type::Counter, {}});
    out.back().add(static_cast<double>(t.chunks));
    out.push_back(
        {name + "_bytes_total", "Image bytes of those chunks (chunk headers not counted)", Type::Counter, {}});
    out.back().add(static_cast<double>(t.bytes));
}

}  // namespace

std::vector<MetricFamily> link_families(const WireCounts& wire) {
    std::vector<MetricFamily> out;
    using Link = WireCounts::Link;
    add_tally(out, "fleetcast_gateway_manager_chunks_received",
              "Chunk messages received from the manager (manager -> gateway link)", wire.got(Link::ManagerToGateway));
    add_tally(out, "fleetcast_gateway_fanout_chunks_sent",
              "Chunk messages published on the site's model topics (gateway -> devices fan-out)",
              wire.sent(Link::Fanout));
    add_tally(out, "fleetcast_gateway_repair_chunks_sent",
              "Chunk messages re-sent to one device on its own topic (gateway -> device repair)",
              wire.sent(Link::Repair));
    return out;
}

std::vector<MetricFamily> Gateway::metric_families() {
    std::vector<MetricFamily> out;
    std::map<JobState, std::uint64_t> jobs;
    for (auto s : job_rules::kAllStates) jobs[s] = 0;
    std::map<std::string, std::map<JobState, std::uint64_t>> by_campaign;
    std::set<std::string> open_campaigns;
    for (const auto& [key, job] : jobs_.rows()) {
        jobs[job.state] += 1;
        by_campaign[key.first][job.state] += 1;
        if (!is_terminal(job.state)) open_campaigns.insert(key.first);
    }
    MetricFamily all{"fleetcast_gateway_jobs", "Jobs of this site by state", Type::Gauge, {}};
    for (const auto& [state, n] : jobs) all.add(static_cast<double>(n), {{"state", std::string(to_string(state))}});
    MetricFamily per{"fleetcast_gateway_campaign_jobs",
                     "Jobs of each campaign not over here (some job has not ended) by state",
                     Type::Gauge,
                     {}};
    for (const auto& campaign : open_campaigns) {
        const auto& counts = by_campaign[campaign];
        for (auto s : job_rules::kAllStates) {
            auto it = counts.find(s);
            per.add(it == counts.end() ? 0 : static_cast<double>(it->second),
                    {{"campaign", campaign}, {"state", std::string(to_string(s))}});
        }
    }
    out.push_back(std::move(all));
    out.push_back(std::move(per));
    out.push_back({"fleetcast_gateway_campaigns", "Campaign schedules this gateway holds", Type::Gauge, {}});
    out.back().add(static_cast<double>(campaigns_.schedules().size()));
    out.push_back({"fleetcast_gateway_campaigns_open", "Campaigns with a job not ended at this site", Type::Gauge, {}});
    out.back().add(static_cast<double>(open_campaigns.size()));
    out.push_back({"fleetcast_gateway_devices", "Devices of this site the gateway has heard from", Type::Gauge, {}});
    out.back().add(static_cast<double>(devices_.size()));
    out.push_back({"fleetcast_gateway_repairs_total",
                   "Repair requests (need) answered with chunks for one device",
                   Type::Counter,
                   {}});
    out.back().add(static_cast<double>(counters_.get("repairs")));

    // The last measured rates (R9): the manager link, and the spread of the
    // device links' last figures (one series each, not one per device).
    out.push_back({"fleetcast_gateway_manager_link_rate_bytes_per_second",
                   "Last measured manager -> gateway rate (0 before the first measure)",
                   Type::Gauge,
                   {}});
    out.back().add(rates_.manager_bytes_per_second());
    std::vector<double> rates;
    rates.reserve(rates_.device_rates().size());
    for (const auto& [device, r] : rates_.device_rates()) rates.push_back(r);
    out.push_back({"fleetcast_gateway_device_links_measured",
                   "Devices whose link to the gateway has a measured rate",
                   Type::Gauge,
                   {}});
    out.back().add(static_cast<double>(rates.size()));
    MetricFamily spread{"fleetcast_gateway_device_link_rate_bytes_per_second",
                        "Last measured gateway -> device rates: the lowest, the median and the highest of the site",
                        Type::Gauge,
                        {}};
    if (!rates.empty()) {
        auto mid = rates.begin() + static_cast<std::ptrdiff_t>(rates.size() / 2);
        std::nth_element(rates.begin(), mid, rates.end());
        double median = *mid;
        auto [lo, hi] = std::minmax_element(rates.begin(), rates.end());
        spread.add(*lo, {{"stat", "min"}}).add(median, {{"stat", "median"}}).add(*hi, {{"stat", "max"}});
    }
    out.push_back(std::move(spread));
    out.push_back(events_family("fleetcast_gateway", counters_.snapshot()));
    return out;
}

}  // namespace fleetcast::gateway
