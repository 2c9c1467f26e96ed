// Rate limits and their split over gateways (common/rate_limits.hpp).
#include "common/rate_limits.hpp"

#include <algorithm>
#include <vector>

#include "common/message_fields.hpp"

namespace fleetcast {

namespace {
bool has(const cJSON* o, const char* key) {
    const cJSON* f = cJSON_GetObjectItemCaseSensitive(o, key);
    return f && !cJSON_IsNull(f);
}

Expected<std::optional<std::uint32_t>> positive_count(const cJSON* o, const char* key) {
    if (!has(o, key)) return std::optional<std::uint32_t>{};
    auto n = json::get_uint(o, key, kMaxRateLimit);
    if (!n) return make_error("bad_args", n.error().message);
    if (*n == 0) return make_error("bad_args", std::string(key) + " must be at least 1");
    return std::optional<std::uint32_t>{static_cast<std::uint32_t>(*n)};
}
}  // namespace

std::map<std::string, GatewayLimits> share_limits(const RateLimits& limits,
                                                  const std::map<std::string, std::uint64_t>& targets_per_gateway) {
    std::map<std::string, GatewayLimits> out;
    for (const auto& [gw, n] : targets_per_gateway)
        out[gw].max_concurrent = limits.max_concurrent_per_gateway.value_or(0);
    if (!limits.max_per_minute || targets_per_gateway.empty()) return out;
    const std::uint64_t n_per_min = *limits.max_per_minute;
    const std::uint64_t g = targets_per_gateway.size();
    if (g > n_per_min) {
        const std::uint64_t turns = (g + n_per_min - 1) / n_per_min;
        std::uint64_t i = 0;
        for (auto& [gw, l] : out) {
            l.max_starts = 1;
            l.per = kRateWindow * static_cast<Millis::rep>(turns);
            l.offset = kRateWindow * static_cast<Millis::rep>(i++ / n_per_min);
        }
        return out;
    }
    // 1 each, then the rest by targets, largest remainder first (ties: gateway id order).
    const std::uint64_t rest = n_per_min - g;
    std::uint64_t total = 0;
    for (const auto& [gw, n] : targets_per_gateway) total += n;
    struct Part {
        std::string gw;
        std::uint64_t whole;
        std::uint64_t remainder;
    };
    std::vector<Part> parts;
    std::uint64_t given = 0;
    for (const auto& [gw, n] : targets_per_gateway) {
        const std::uint64_t num = total ? rest * n : 0;
        parts.push_back({gw, total ? num / total : 0, total ? num % total : 0});
        given += parts.back().whole;
    }
    std::vector<std::size_t> order(parts.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return parts[a].remainder > parts[b].remainder; });
    for (std::size_t i = 0; given < rest; i = (i + 1) % order.size(), ++given) ++parts[order[i]].whole;
    for (const auto& p : parts) out[p.gw].max_starts = static_cast<std::uint32_t>(1 + p.whole);
    return out;
}

bool start_allowed(const GatewayLimits& l, TimePoint update_at, TimePoint now, const std::vector<TimePoint>& starts) {
    if (l.max_starts == 0) return true;
    if (now < update_at + l.offset) return false;
    // A span [t, t + per) holds both a start s and now exactly when now - s < per.
    auto recent = std::count_if(starts.begin(), starts.end(), [&](TimePoint s) { return s <= now && now - s < l.per; });
    return static_cast<std::uint64_t>(recent) < l.max_starts;
}

bool transfer_allowed(const GatewayLimits& l, std::size_t in_transfer) {
    return l.max_concurrent == 0 || in_transfer < l.max_concurrent;
}

TimePoint planned_start(const GatewayLimits& l, TimePoint update_at, std::uint64_t k) {
    if (l.max_starts == 0) return update_at;
    return update_at + l.offset + l.per * static_cast<Millis::rep>(k / l.max_starts);
}

void to_json(cJSON* o, const GatewayLimits& l) {
    json::put(o, "max_starts", std::uint64_t{l.max_starts});
    json::put(o, "per_ms", static_cast<std::uint64_t>(l.per.count()));
    json::put(o, "offset_ms", static_cast<std::uint64_t>(l.offset.count()));
    json::put(o, "max_concurrent", std::uint64_t{l.max_concurrent});
}

Expected<GatewayLimits> gateway_limits_from_json(const cJSON* o) {
    if (!cJSON_IsObject(o)) return make_error("wrong_type", "limits is not an object");
    GatewayLimits l;
    FC_TRY(starts, json::get_uint(o, "max_starts", kMaxRateLimit));
    FC_TRY(per, detail::millis_from_json(o, "per_ms", Millis{kMaxRateLimit * kRateWindow.count()}));
    FC_TRY(offset, detail::millis_from_json(o, "offset_ms", Millis{kMaxRateLimit * kRateWindow.count()}));
    FC_TRY(concurrent, json::get_uint(o, "max_concurrent", kMaxRateLimit));
    if (per->count() == 0) return make_error("bad_value", "limits per_ms must be positive");
    l.max_starts = static_cast<std::uint32_t>(*starts);
    l.per = *per;
    l.offset = *offset;
    l.max_concurrent = static_cast<std::uint32_t>(*concurrent);
    return l;
}

void put_rate_limits(cJSON* o, const RateLimits& l) {
    if (l.max_per_minute) json::put(o, "max_per_minute", std::uint64_t{*l.max_per_minute});
    if (l.max_concurrent_per_gateway)
        json::put(o, "max_concurrent_per_gateway", std::uint64_t{*l.max_concurrent_per_gateway});
}

Expected<RateLimits> rate_limits_from_json(const cJSON* o) {
    RateLimits l;
    FC_TRY(per_minute, positive_count(o, "max_per_minute"));
    FC_TRY(concurrent, positive_count(o, "max_concurrent_per_gateway"));
    l.max_per_minute = *per_minute;
    l.max_concurrent_per_gateway = *concurrent;
    return l;
}

}  // namespace fleetcast
