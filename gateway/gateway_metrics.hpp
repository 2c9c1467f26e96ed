#pragma once
// The gateway's --metrics-listen families about its links, from what its loop
// counted on the wire (common/wire_counts.hpp); the families about its own
// state come from Gateway::metric_families() (gateway_metrics.cpp).
#include <vector>

#include "common/metrics_text.hpp"
#include "common/wire_counts.hpp"

namespace fleetcast::gateway {

std::vector<MetricFamily> link_families(const WireCounts& wire);

}  // namespace fleetcast::gateway
