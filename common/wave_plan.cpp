// A campaign's waves: parsing, counts and JSON (common/wave_plan.hpp).
#include "common/wave_plan.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "common/message_fields.hpp"

namespace fleetcast {

namespace {
constexpr double kMaxWaveCount = 1000000;

std::string number_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

std::string size_text(const WaveSize& s) { return number_text(s.value) + (s.percent ? "%" : ""); }

Expected<WaveSize> parse_size(std::string_view text) {
    const std::string s(text.substr(0, 32));
    const std::string what = "wave '" + s + "'";
    const bool percent = !s.empty() && s.back() == '%';
    const std::string number = percent ? s.substr(0, s.size() - 1) : s;
    if (text.size() > 32 || number.empty() || !std::isdigit(static_cast<unsigned char>(number[0])))
        return make_error("bad_args", what + " is not a count (5) or a share (10%)");
    char* end = nullptr;
    if (percent) {
        const double p = std::strtod(number.c_str(), &end);
        if (*end != '\0' || !std::isfinite(p)) return make_error("bad_args", what + " is not a share like 10%");
        if (!(p > 0.0 && p <= 100.0)) return make_error("bad_args", what + ": a share is above 0% and at most 100%");
        return WaveSize{p, true};
    }
    const unsigned long long n = std::strtoull(number.c_str(), &end, 10);
    if (*end != '\0' || n == 0 || static_cast<double>(n) > kMaxWaveCount)
        return make_error("bad_args", what + " is not a count from 1 to " + number_text(kMaxWaveCount));
    return WaveSize{static_cast<double>(n), false};
}

Status check_sizes(const std::vector<WaveSize>& sizes) {
    if (sizes.empty()) return make_error("bad_args", "waves: give at least one wave");
    if (sizes.size() > kMaxWaves) return make_error("bad_args", "waves: at most " + std::to_string(kMaxWaves));
    double last_count = 0, last_percent = 0;
    for (const auto& s : sizes) {
        double& last = s.percent ? last_percent : last_count;
        if (s.value <= last)
            return make_error("bad_args", "waves are cumulative: " + size_text(s) + " is not above an earlier " +
                                              number_text(last) + (s.percent ? "%" : ""));
        last = s.value;
    }
    if (sizes.back().percent && sizes.back().value != 100.0)
        return make_error("bad_args", "the last wave must reach every target: 100% or the number of targets, not " +
                                          size_text(sizes.back()));
    return ok_status();
}
}  // namespace

std::string WavePlan::sizes_text() const {
    std::string out;
    for (const auto& s : sizes) out += (out.empty() ? "" : ",") + size_text(s);
    return out;
}

Expected<std::vector<WaveSize>> parse_wave_sizes(std::string_view text) {
    std::vector<WaveSize> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find(',', start);
        if (end == std::string_view::npos) end = text.size();
        FC_TRY(size, parse_size(text.substr(start, end - start)));
        out.push_back(*size);
        if (out.size() > kMaxWaves) break;
        start = end + 1;
    }
    FC_TRY(checked, check_sizes(out));
    return out;
}

Expected<double> parse_wave_success(std::string_view text) {
    const std::string s(text.substr(0, 32));
    if (s.size() < 2 || s.back() != '%' || !std::isdigit(static_cast<unsigned char>(s[0])))
        return make_error("bad_args", "wave success '" + s + "' is not a share like 95%");
    char* end = nullptr;
    const std::string number = s.substr(0, s.size() - 1);
    const double p = std::strtod(number.c_str(), &end);
    if (*end != '\0' || !std::isfinite(p) || !(p > 0.0 && p <= 100.0))
        return make_error("bad_args", "wave success '" + s + "' must be above 0% and at most 100%");
    return p;
}

Expected<std::vector<std::uint64_t>> wave_counts(const std::vector<WaveSize>& sizes, std::uint64_t targets) {
    FC_TRY(checked, check_sizes(sizes));
    std::vector<std::uint64_t> out;
    std::uint64_t last = 0;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        const auto& s = sizes[i];
        if (last == targets) break;  // an earlier wave reached every target: the later ones add nobody
        // A share rounds up (1% of 50 targets is 1 device, never 0); 1e-9 absorbs 10% of 30 = 3.0000000004.
        const double exact = s.percent ? s.value * static_cast<double>(targets) / 100.0 : s.value;
        const auto n = std::min<std::uint64_t>(targets, static_cast<std::uint64_t>(std::ceil(exact - 1e-9)));
        if (n < last)
            return make_error("bad_args", "wave " + std::to_string(i + 1) + " (" + size_text(s) + " = " +
                                              std::to_string(n) + " of " + std::to_string(targets) +
                                              " targets) is smaller than the wave before it (" + std::to_string(last) +
                                              ")");
        if (n == last) continue;  // adds nobody
        out.push_back(n);
        last = n;
    }
    if (last != targets)
        return make_error("bad_args", "the last wave reaches " + std::to_string(last) + " of " +
                                          std::to_string(targets) + " targets: end with 100% or the number of targets");
    return out;
}

void to_json(cJSON* o, const WavePlan& p) {
    std::vector<std::string> sizes;
    for (const auto& s : p.sizes) sizes.push_back(size_text(s));
    json::put(o, "sizes", sizes);
    cJSON_AddNumberToObject(o, "success_percent", p.success_percent);
    json::put(o, "soak_ms", static_cast<std::uint64_t>(p.soak.count()));
}

Expected<WavePlan> wave_plan_from_json(const cJSON* o) {
    if (!cJSON_IsObject(o)) return make_error("bad_args", "waves must be an object");
    WavePlan p;
    FC_TRY(list, json::get_array(o, "sizes", kMaxWaves));
    const cJSON* item = nullptr;
    cJSON_ArrayForEach(item, *list) {
        if (!cJSON_IsString(item)) return make_error("bad_args", "wave sizes must be strings like \"5\" or \"10%\"");
        FC_TRY(size, parse_size(item->valuestring));
        p.sizes.push_back(*size);
    }
    FC_TRY(checked, check_sizes(p.sizes));
    if (const cJSON* s = cJSON_GetObjectItemCaseSensitive(o, "success_percent")) {
        if (!cJSON_IsNumber(s) || !std::isfinite(s->valuedouble) || !(s->valuedouble > 0.0) || s->valuedouble > 100.0)
            return make_error("bad_args", "success_percent must be a number above 0 and at most 100");
        p.success_percent = s->valuedouble;
    }
    if (cJSON_GetObjectItemCaseSensitive(o, "soak_ms")) {
        FC_TRY(ms, detail::millis_from_json(o, "soak_ms", kMaxWaveSoak));
        p.soak = *ms;
    }
    return p;
}

}  // namespace fleetcast
