#include "manager/schedule_planner.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <queue>

namespace fleetcast::manager {

namespace {

Error bad(const std::string& message) { return make_error("bad_args", message); }

std::string mb_per_s(double rate) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f MB/s", rate / 1e6);
    return buf;
}

bool usable(std::optional<double> measured) { return measured && *measured > 0 && std::isfinite(*measured); }

// The rate to plan with: the measured one, else the assumed one (noted once for the link).
double rate_or_assumed(std::optional<double> measured, const std::string& link, const PlannerSettings& s,
                       std::vector<std::string>& notes) {
    if (usable(measured)) return *measured;
    notes.push_back("no rate measured for " + link + ": assumed " + mb_per_s(s.assumed_rate));
    return s.assumed_rate;
}

template <typename Map, typename Key>
std::optional<double> lookup(const Map& m, const Key& k) {
    auto it = m.find(k);
    if (it == m.end()) return std::nullopt;
    return it->second;
}

}  // namespace

Millis transfer_time(std::uint64_t bytes, double bytes_per_second) {
    if (bytes == 0) return Millis{0};
    double ms = std::ceil(static_cast<double>(bytes) * 1000.0 / bytes_per_second);
    return Millis{static_cast<Millis::rep>(std::min(ms, 1e15))};
}

TimePoint gateway_end(TimePoint update_at, TimePoint ready, const std::vector<Millis>& deliveries,
                      const GatewayLimits& limits, const std::optional<MaintenanceWindow>& window) {
    // Finish times of the transfers running, earliest first (at most max_concurrent).
    std::priority_queue<TimePoint, std::vector<TimePoint>, std::greater<>> running;
    const TimePoint first = std::max(ready, update_at + limits.offset);
    TimePoint end = ready;
    for (std::uint64_t k = 0; k < deliveries.size(); ++k) {
        TimePoint start = limits.max_starts ? planned_start(limits, first - limits.offset, k) : ready;
        if (limits.max_concurrent > 0 && running.size() >= limits.max_concurrent) {
            start = std::max(start, running.top());
            running.pop();
        }
        if (window) start = next_open_time(*window, start);
        const TimePoint finish = start + deliveries[k];
        running.push(finish);
        end = std::max(end, finish);
    }
    return end;
}

Expected<TimePlan> plan_times(const TimeRequest& req, TimePoint now, const std::vector<GatewayLoad>& loads,
                              const RateTable& rates, const PlannerSettings& settings) {
    const bool push = req.mode == TransferMode::Push;
    if (req.asap && (req.update_at || req.transmit_at))
        return bad("asap excludes an explicit update or transmission time");
    if (!push && req.transmit_at) return bad("a transmission time is for push mode only");
    if (req.update_at && req.transmit_at && *req.transmit_at > *req.update_at)
        return bad("transmit_at " + format_time(*req.transmit_at) + " is after update_at " +
                   format_time(*req.update_at));
    if (req.expires_at && *req.expires_at <= now)
        return bad("expires_at " + format_time(*req.expires_at) + " is in the past (now " + format_time(now) + ")");

    TimePlan plan;
    plan.expires_at = req.expires_at;
    // Per gateway: its download time and its longest device delivery.
    struct GatewayTimes {
        Millis download{0};
        std::vector<Millis> deliveries;  // per device, in device id order
        const GatewayLimits* limits = nullptr;
        const std::optional<MaintenanceWindow>* window = nullptr;
    };
    std::map<std::string, GatewayTimes> per_gateway;
    for (const auto& g : loads) {
        auto down = transfer_time(g.download_bytes, g.download_bytes
                                                        ? rate_or_assumed(lookup(rates.gateway, g.gateway),
                                                                          "manager->" + g.gateway, settings, plan.notes)
                                                        : 1.0);
        Millis deliver{0};
        auto& times = per_gateway[g.gateway];
        times.limits = &g.limits;
        times.window = &g.window;
        // Device links without a figure: one note per gateway, not one per
        // device (100,000 lines would not fit the answer).
        std::uint64_t unmeasured = 0;
        std::string first_unmeasured;
        for (const auto& [device, bytes] : g.device_bytes) {
            if (bytes == 0) continue;
            auto measured = lookup(rates.device, std::pair{g.gateway, device});
            if (!usable(measured) && unmeasured++ == 0) first_unmeasured = device;
            times.deliveries.push_back(transfer_time(bytes, usable(measured) ? *measured : settings.assumed_rate));
            deliver = std::max(deliver, times.deliveries.back());
        }
        if (unmeasured == 1)
            plan.notes.push_back("no rate measured for " + g.gateway + "->" + first_unmeasured + ": assumed " +
                                 mb_per_s(settings.assumed_rate));
        else if (unmeasured > 1)
            plan.notes.push_back("no rate measured for " + std::to_string(unmeasured) + " device links of " +
                                 g.gateway + " (" + g.gateway + "->" + first_unmeasured + ", ...): assumed " +
                                 mb_per_s(settings.assumed_rate));
        times.download = down;
        plan.download = std::max(plan.download, down);
        plan.delivery = std::max(plan.delivery, deliver);
    }
    const Millis margin =
        std::max(settings.min_margin,
                 Millis{static_cast<Millis::rep>(std::ceil(plan.download.count() * settings.margin_factor))});

    auto not_past = [&](std::optional<TimePoint> t, const char* what) -> std::optional<TimePoint> {
        if (t && *t < now) {
            plan.notes.push_back(std::string(what) + " " + format_time(*t) + " is in the past: now");
            return now;
        }
        return t;
    };
    auto update = not_past(req.update_at, "update_at");
    auto transmit = not_past(req.transmit_at, "transmit_at");

    if (!push) {
        // Pull: the gateway fetches when the update time comes (R7).
        plan.update_at = update.value_or(now);
    } else if (update && transmit) {
        plan.update_at = *update;
        plan.transmit_at = *transmit;
    } else if (update) {
        // Latest transmission that still ends the download before the update time.
        plan.update_at = *update;
        plan.transmit_at = std::max(now, *update - plan.download - margin);
    } else if (transmit) {
        plan.transmit_at = *transmit;
        plan.update_at = *transmit + plan.download + margin;
    } else {
        plan.transmit_at = now;
        plan.update_at = now + plan.download + margin;
    }
    if (push && *plan.transmit_at + plan.download > plan.update_at)
        plan.notes.push_back("the download is expected to end after update_at: the gateway fetches the rest then");

    plan.expected_end = plan.update_at;
    bool limited = false;
    std::size_t waiting_for_window = 0;
    for (const auto& [gw, t] : per_gateway) {
        // A gateway fetches, and the manager pushes to it, only inside its window.
        const auto& w = *t.window;
        auto opened = [&](TimePoint at) { return w ? next_open_time(*w, at) : at; };
        TimePoint cached = push ? std::max(plan.update_at, opened(*plan.transmit_at) + t.download)
                                : opened(plan.update_at) + t.download;
        TimePoint end = gateway_end(plan.update_at, cached, t.deliveries, *t.limits, w);
        limited = limited || t.limits->any();
        if (w && opened(plan.update_at) > plan.update_at) ++waiting_for_window;
        plan.expected_end = std::max(plan.expected_end, end);
    }
    if (waiting_for_window)
        plan.notes.push_back(std::to_string(waiting_for_window) +
                             " gateway(s) start at their maintenance window's next opening, after update_at");
    if (limited)
        plan.notes.push_back("rate limits: devices start spaced out, expected end " + format_time(plan.expected_end));
    if (req.expires_at && *req.expires_at <= plan.update_at)
        return bad("expires_at " + format_time(*req.expires_at) + " is not after update_at " +
                   format_time(plan.update_at));
    if (req.expires_at && *req.expires_at < plan.expected_end)
        plan.notes.push_back("expected end " + format_time(plan.expected_end) + " is after expires_at");
    return plan;
}

}  // namespace fleetcast::manager
