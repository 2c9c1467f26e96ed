#include "common/metrics_text.hpp"

#include <cmath>
#include <cstdio>

namespace fleetcast {

namespace {

bool name_char(char c, bool first) {
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    return alpha || (!first && c >= '0' && c <= '9');
}

// Label names have no ':' (Prometheus data model).
std::string label_name(std::string_view raw) {
    std::string out = metric_name(raw);
    for (char& c : out)
        if (c == ':') c = '_';
    return out;
}

void append_escaped(std::string& out, std::string_view value) {
    for (char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
}

void append_help(std::string& out, std::string_view help) {
    for (char c : help) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
}

void append_value(std::string& out, double v) {
    if (std::isnan(v)) {
        out += "NaN";
    } else if (std::isinf(v)) {
        out += v > 0 ? "+Inf" : "-Inf";
    } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
        out += std::to_string(static_cast<long long>(v));
    } else {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.17g", v);
        out += buf;
    }
}

}  // namespace

std::string metric_name(std::string_view raw) {
    std::string out;
    out.reserve(raw.size() + 1);
    if (raw.empty() || (raw[0] >= '0' && raw[0] <= '9')) out += '_';
    for (char c : raw) out += name_char(c, out.empty()) ? c : '_';
    return out;
}

std::string metrics_exposition(const std::vector<MetricFamily>& families) {
    std::string out;
    for (const auto& f : families) {
        std::string name = metric_name(f.name);
        out += "# HELP " + name + ' ';
        append_help(out, f.help);
        out += "\n# TYPE " + name + (f.type == MetricFamily::Type::Counter ? " counter\n" : " gauge\n");
        for (const auto& s : f.samples) {
            out += name;
            if (!s.labels.empty()) {
                out += '{';
                for (std::size_t i = 0; i < s.labels.size(); ++i) {
                    if (i) out += ',';
                    out += label_name(s.labels[i].first) + "=\"";
                    append_escaped(out, s.labels[i].second);
                    out += '"';
                }
                out += '}';
            }
            out += ' ';
            append_value(out, s.value);
            out += '\n';
        }
    }
    return out;
}

MetricFamily events_family(const std::string& prefix, const std::map<std::string, std::uint64_t>& counters) {
    MetricFamily f{prefix + "_events_total",
                   "Events counted by the program (bad input by kind, retries, ...)",
                   MetricFamily::Type::Counter,
                   {}};
    for (const auto& [event, n] : counters) f.add(static_cast<double>(n), {{"event", event}});
    return f;
}

}  // namespace fleetcast
