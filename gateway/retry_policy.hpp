#pragma once
// Pure decisions of R17 and R18: when the next attempt of a failed update is
// due, whether another is allowed, and whether a transfer can still finish
// before the campaign expires at the rate the gateway measured.
#include <cstdint>
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "common/messages.hpp"

namespace fleetcast::gateway {

// true when an update that failed `failed_attempts` times may be tried again.
bool may_retry(const RetryPolicy& policy, std::uint32_t failed_attempts);
// Delay before retry n (1-based): backoff * 2^(n-1), at most a day.
Millis retry_delay(const RetryPolicy& policy, std::uint32_t retry);
// R18 early stop: the reason when `remaining_bytes` at `bytes_per_second`
// would end after `expires_at`; nullopt when it can finish (or no rate is known).
std::optional<std::string> cannot_finish(std::uint64_t remaining_bytes, double bytes_per_second, TimePoint now,
                                         TimePoint expires_at);

}  // namespace fleetcast::gateway
