#pragma once
// A campaign's rate limits (issue 16 item 4): devices started per minute
// across the whole campaign, and devices in transfer at once per gateway.
// The manager splits the per-minute limit into one share per gateway (each
// gateway's schedule carries its share, GatewayLimits) so that every gateway
// can enforce its part alone, with its own clock, after any restart. Pure:
// see README "Rate limits" for the exact semantics.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/json.hpp"

namespace fleetcast {

inline constexpr std::uint64_t kMaxRateLimit = 1000000;
inline constexpr Millis kRateWindow{60000};

// What the operator asked for (campaign_create's max_per_minute,
// max_concurrent_per_gateway); empty: no limit.
struct RateLimits {
    std::optional<std::uint32_t> max_per_minute;
    std::optional<std::uint32_t> max_concurrent_per_gateway;
    bool any() const { return max_per_minute || max_concurrent_per_gateway; }
    bool operator==(const RateLimits&) const = default;
};

// One gateway's part, carried in its schedule as `limits`: at most
// `max_starts` first offers in any `per` long span of time, the first one no
// earlier than the schedule's update_at + `offset`; at most `max_concurrent`
// devices in transfer (requesting or transferring). 0 = no such limit.
struct GatewayLimits {
    std::uint32_t max_starts = 0;
    Millis per = kRateWindow;
    Millis offset{0};
    std::uint32_t max_concurrent = 0;
    bool any() const { return max_starts > 0 || max_concurrent > 0; }
    bool operator==(const GatewayLimits&) const = default;
};

// Splits `limits` over the gateways (targets per gateway). With G gateways and
// N per minute: G <= N: each gateway gets 1 plus its share (by targets,
// largest remainder) of N - G per 60 s, summing to exactly N, so no minute
// of the whole campaign can hold more than N starts, whatever each gateway's
// delays. G > N: each gateway gets 1 per ceil(G/N) minutes, and the gateways
// (in id order) take turns: gateway i starts no earlier than (i / N) minutes
// after update_at (an average of N per minute; on time, N in each minute).
std::map<std::string, GatewayLimits> share_limits(const RateLimits& limits,
                                                  const std::map<std::string, std::uint64_t>& targets_per_gateway);

// Whether one more device may start now: update_at + offset has come and
// fewer than max_starts of `starts` (the first offers of the campaign's jobs
// on this gateway) lie within `per` before now.
bool start_allowed(const GatewayLimits& l, TimePoint update_at, TimePoint now, const std::vector<TimePoint>& starts);
// Whether one more device may enter transfer with `in_transfer` already there.
bool transfer_allowed(const GatewayLimits& l, std::size_t in_transfer);

// The earliest time the k-th (0-based) start may happen on a gateway that
// starts on time: update_at + offset + (k / max_starts) * per.
TimePoint planned_start(const GatewayLimits& l, TimePoint update_at, std::uint64_t k);

// {"max_starts":2,"per_ms":60000,"offset_ms":0,"max_concurrent":5}; strict.
void to_json(cJSON* o, const GatewayLimits& l);
Expected<GatewayLimits> gateway_limits_from_json(const cJSON* o);
// Flat fields max_per_minute, max_concurrent_per_gateway of `o` (absent: no
// limit; 0, negative, fractional, above 1000000 or not a number: bad_args).
void put_rate_limits(cJSON* o, const RateLimits& l);
Expected<RateLimits> rate_limits_from_json(const cJSON* o);

}  // namespace fleetcast
