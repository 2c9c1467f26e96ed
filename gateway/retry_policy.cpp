#include "gateway/retry_policy.hpp"

#include <cmath>

namespace fleetcast::gateway {

namespace {
constexpr Millis kMaxDelay{24LL * 3600 * 1000};
}

bool may_retry(const RetryPolicy& policy, std::uint32_t failed_attempts) {
    return failed_attempts <= policy.max_retries;
}

Millis retry_delay(const RetryPolicy& policy, std::uint32_t retry) {
    if (retry == 0) retry = 1;
    Millis delay = policy.backoff;
    for (std::uint32_t i = 1; i < retry && delay < kMaxDelay; ++i) delay *= 2;
    return std::min(delay, kMaxDelay);
}

std::optional<std::string> cannot_finish(std::uint64_t remaining_bytes, double bytes_per_second, TimePoint now,
                                         TimePoint expires_at) {
    if (bytes_per_second <= 0 || remaining_bytes == 0) return std::nullopt;
    double seconds = static_cast<double>(remaining_bytes) / bytes_per_second;
    auto needed = Millis(static_cast<std::int64_t>(std::ceil(seconds * 1000.0)));
    if (now + needed <= expires_at) return std::nullopt;
    char text[200];
    std::snprintf(text, sizeof text, "%llu bytes left at the measured %.0f B/s need %.1f s, ending after %s",
                  static_cast<unsigned long long>(remaining_bytes), bytes_per_second, seconds,
                  format_time(expires_at).c_str());
    return std::string(text);
}

}  // namespace fleetcast::gateway
