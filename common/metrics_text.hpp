#pragma once
// Prometheus text exposition (format 0.0.4), written once: what a program's
// --metrics-listen endpoint serves. A program describes its metrics as
// families of samples; metrics_exposition() renders them with HELP and TYPE
// lines, escaped label values and valid metric names.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fleetcast {

struct MetricSample {
    std::vector<std::pair<std::string, std::string>> labels;  // name, value (any bytes; escaped on output)
    double value = 0;
};

struct MetricFamily {
    enum class Type { Counter, Gauge };
    std::string name;  // made valid by metric_name() on output
    std::string help;
    Type type = Type::Gauge;
    std::vector<MetricSample> samples;

    MetricFamily& add(double value, std::vector<std::pair<std::string, std::string>> labels = {}) {
        samples.push_back({std::move(labels), value});
        return *this;
    }
};

// [a-zA-Z_:][a-zA-Z0-9_:]*: every other byte becomes '_' (a leading digit gets a '_' before it).
std::string metric_name(std::string_view raw);
std::string metrics_exposition(const std::vector<MetricFamily>& families);

// One counter family from a program's named event counters (common/counters.hpp):
// `{prefix}_events_total{event="bad_input"} 3`.
MetricFamily events_family(const std::string& prefix, const std::map<std::string, std::uint64_t>& counters);

}  // namespace fleetcast
