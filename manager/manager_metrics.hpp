#pragma once
// What the manager's --metrics-listen endpoint serves (README "Metrics"),
// rendered by the manager's loop when a scrape asks (common/metrics_server.hpp).
// Scrape cost stays bounded however large the fleet: the database is read as
// GROUP BY counts, jobs per campaign only for campaigns whose jobs have not
// all ended (an ended campaign's counts are kept once they stop changing),
// and no series is per device.
#include <map>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/messages.hpp"
#include "common/metrics_text.hpp"
#include "manager/manager.hpp"

namespace fleetcast::manager {

class ManagerMetrics {
   public:
    ManagerMetrics(Manager& manager, Clock& clock) : manager_(manager), clock_(clock) {}
    // Loop thread. A database error leaves the families it concerns out (and
    // says so in fleetcast_manager_metrics_errors_total).
    std::vector<MetricFamily> families();

   private:
    Manager& manager_;
    Clock& clock_;
    // Job counts of campaigns whose every job ended: they no longer change.
    std::map<std::string, std::map<JobState, std::uint64_t>> settled_;
    std::uint64_t errors_ = 0;
};

}  // namespace fleetcast::manager
