#include "bench/bench_report.hpp"

#include <cjson/cJSON.h>

#include <cmath>
#include <cstdio>
#include <sstream>

#include "common/json.hpp"

namespace fleetcast::bench {

namespace {
std::string number(double v) {
    char buf[64];
    if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 1e15) std::snprintf(buf, sizeof buf, "%.0f", v);
    else std::snprintf(buf, sizeof buf, "%.3f", v);
    return buf;
}
}  // namespace

bool Target::met() const {
    if (op == "<=") return value <= limit;
    if (op == "<") return value < limit;
    if (op == ">=") return value >= limit;
    return false;
}

void ScenarioReport::figure(const std::string& key, double value, const std::string& unit) {
    fields_.emplace_back(key, value);
    units_.push_back(unit);
}

void ScenarioReport::note(const std::string& key, const std::string& text) {
    fields_.emplace_back(key, text);
    units_.push_back("");
}

bool ScenarioReport::all_met() const {
    if (!ok()) return false;
    for (const auto& t : targets_)
        if (!t.met()) return false;
    return true;
}

std::string ScenarioReport::json_line() const {
    auto j = Json::object();
    cJSON* o = j.get();
    json::put(o, "scenario", name_);
    for (const auto& [k, v] : fields_) {
        if (auto* d = std::get_if<double>(&v)) cJSON_AddNumberToObject(o, k.c_str(), *d);
        else json::put(o, k.c_str(), std::get<std::string>(v));
    }
    cJSON* targets = cJSON_AddArrayToObject(o, "targets");
    for (const auto& t : targets_) {
        cJSON* row = cJSON_CreateObject();
        json::put(row, "what", t.what);
        cJSON_AddNumberToObject(row, "value", t.value);
        json::put(row, "op", t.op);
        cJSON_AddNumberToObject(row, "limit", t.limit);
        json::put(row, "met", t.met());
        cJSON_AddItemToArray(targets, row);
    }
    json::put(o, "ok", ok());
    if (!errors_.empty()) {
        std::string all;
        for (const auto& e : errors_) all += (all.empty() ? "" : "; ") + e;
        json::put(o, "errors", all);
    }
    json::put(o, "targets_met", all_met());
    char* s = cJSON_PrintUnformatted(o);
    std::string out = s ? s : "{}";
    cJSON_free(s);
    return out;
}

std::string ScenarioReport::table() const {
    std::ostringstream out;
    out << "== " << name_ << (ok() ? "" : "  (FAILED)") << "\n";
    for (std::size_t i = 0; i < fields_.size(); ++i) {
        const auto& [k, v] = fields_[i];
        char line[256];
        std::string value = std::holds_alternative<double>(v) ? number(std::get<double>(v)) : std::get<std::string>(v);
        std::snprintf(line, sizeof line, "  %-34s %s %s\n", k.c_str(), value.c_str(), units_[i].c_str());
        out << line;
    }
    for (const auto& t : targets_) {
        char line[256];
        std::snprintf(line, sizeof line, "  target %-27s %s %s %s  %s\n", t.what.c_str(), number(t.value).c_str(),
                      t.op.c_str(), number(t.limit).c_str(), t.met() ? "MET" : "NOT MET");
        out << line;
    }
    for (const auto& e : errors_) out << "  error: " << e << "\n";
    return out.str();
}

}  // namespace fleetcast::bench
