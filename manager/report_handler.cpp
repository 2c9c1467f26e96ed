#include "manager/report_handler.hpp"

#include <type_traits>
#include <variant>

#include "common/log.hpp"

namespace fleetcast::manager {

namespace {

// main=1.0,controller=3.1: one log token.
std::string versions_text(const Versions& v) {
    std::string out;
    for (const auto& [component, version] : v) out += (out.empty() ? "" : ",") + component + "=" + version;
    return out.empty() ? "-" : out;
}

// The report's state applied to the stored target row.
TargetRecord apply(TargetRecord t, const JobReport& r, TimePoint now) {
    t.state = r.state;
    t.progress = r.state == JobState::Completed ? 100 : r.progress;
    t.detail = r.detail;
    t.suspended = r.suspended && !is_terminal(r.state);
    if (r.started_at) t.started_at = r.started_at;
    else if (!t.started_at && r.state != JobState::Waiting) t.started_at = now;
    if (r.ended_at) t.ended_at = r.ended_at;
    else if (!t.ended_at && is_terminal(r.state)) t.ended_at = now;
    if (r.state == JobState::Completed)
        for (auto& [component, version] : t.new_versions)
            if (auto it = r.firmware.find(component); it != r.firmware.end()) version = it->second;
    return t;
}

bool same(const TargetRecord& a, const TargetRecord& b) {
    return a.state == b.state && a.progress == b.progress && a.detail == b.detail && a.started_at == b.started_at &&
           a.ended_at == b.ended_at && a.new_versions == b.new_versions && a.suspended == b.suspended;
}

}  // namespace

Status ReportHandler::on_report(const std::string& gateway, std::string_view payload) {
    auto report = decode_gateway_report(payload);
    if (!report) return report.error();
    return std::visit(
        [&](const auto& r) -> Status {
            using T = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<T, DeviceSeenReport>) return on_device_seen(gateway, r);
            else if constexpr (std::is_same_v<T, JobReport>) return on_job(gateway, r);
            else if constexpr (std::is_same_v<T, CacheReport>) return on_cache(gateway, r);
            else if constexpr (std::is_same_v<T, DigestReport>) {
                auto st = reconciler_.on_digest(gateway, r);
                if (!st) return st;
                return control_.resend_unconfirmed(gateway);  // the gateway is there: what it missed goes again
            } else if constexpr (std::is_same_v<T, CampaignAckReport>) return control_.on_ack(gateway, r);
            else if constexpr (std::is_same_v<T, UnknownJobReport>) return reconciler_.on_unknown_job(gateway, r);
            else return on_rate(gateway, r);
        },
        *report);
}

Status ReportHandler::on_device_seen(const std::string& gateway, const DeviceSeenReport& r) {
    const auto& s = r.state;
    if (s.gateway != gateway)
        return make_error("bad_report",
                          "device " + s.device + " claims gateway " + s.gateway + " in a report of " + gateway);
    DeviceRecord d{s.device, gateway, s.model, std::string(to_string(s.status)), s.firmware, clock_.now()};
    auto st = store_.upsert_device(d);
    if (st && s.deferment) st = store_.set_deferment(s.device, *s.deferment);
    if (!st) return st;
    log_info("manager", "device_seen")
        .kv("gateway", gateway)
        .kv("device", s.device)
        .kv("model", s.model)
        .kv("status", to_string(s.status))
        .kv("firmware", versions_text(s.firmware));
    return ok_status();
}

Status ReportHandler::on_job(const std::string& gateway, const JobReport& r) {
    auto found = store_.find_target(r.campaign, r.device);
    if (!found) return found.error();
    if (!*found) return make_error("not_found", "no target " + r.device + " in campaign " + r.campaign);
    const TargetRecord& old = **found;
    if (old.gateway != gateway)
        return make_error("bad_report", "target " + r.device + " of campaign " + r.campaign + " is on gateway " +
                                            old.gateway + ", not " + gateway);
    if (is_terminal(old.state) && r.state != old.state) {
        // A late duplicate of an earlier step must not reopen an ended job.
        log_info("manager", "job_report_stale")
            .kv("campaign", r.campaign)
            .kv("gateway", gateway)
            .kv("device", r.device)
            .kv("state", to_string(r.state))
            .kv("stored", to_string(old.state));
        return ok_status();
    }
    TargetRecord t = apply(old, r, clock_.now());
    if (r.update_at) {
        // The gateway moved this device's update time (busy, defer, no response): the operator sees it.
        auto stored = store_.target_update_at(r.campaign, r.device);
        if (!stored) return stored.error();
        if (*stored != r.update_at) {
            auto st = store_.set_target_update_at(r.campaign, r.device, *r.update_at);
            if (!st) return st;
        }
    }
    if (same(t, old)) return ok_status();
    auto st = store_.transaction([&]() -> Status {
        auto s = store_.update_target(t);
        if (!s || t.state != JobState::Completed || r.firmware.empty()) return s;
        // The device now runs what it reported at power-on.
        auto dev = store_.find_device(r.device);
        if (!dev) return dev.error();
        if (!*dev) return ok_status();
        DeviceRecord d = **dev;
        for (const auto& [component, version] : r.firmware) d.firmware[component] = version;
        return store_.upsert_device(d);
    });
    if (!st) return st;
    log_info("manager", "job")
        .kv("campaign", r.campaign)
        .kv("gateway", gateway)
        .kv("device", r.device)
        .kv("state", to_string(t.state))
        .kv("progress", t.progress)
        .kv("detail", t.detail);
    if (!is_terminal(t.state) || is_terminal(old.state)) return ok_status();
    st = schedules_.settle(r.campaign, gateway);
    if (!st) return st;
    st = guard_.check(r.campaign);  // first: a campaign the failures stop opens no wave
    if (!st) return st;
    return waves_.check(r.campaign);
}

Status ReportHandler::on_cache(const std::string& gateway, const CacheReport& r) {
    auto st = store_.upsert_cache(gateway, r.fw_id, r.state, r.bytes, clock_.now());
    if (!st) return st;
    log_info("manager", "gateway_cache")
        .kv("gateway", gateway)
        .kv("fw", r.fw_id)
        .kv("state", r.state)
        .kv("bytes", r.bytes);
    return ok_status();
}

Status ReportHandler::on_rate(const std::string& gateway, const RateReport& r) {
    // The latest figure per link wins: planning follows the link as it is now.
    LinkRateRecord rec{gateway, r.link == RateLink::Device ? r.device : std::string(), r.bytes, r.millis, r.source,
                       r.at};
    auto st = store_.upsert_rate(rec);
    if (!st) return st;
    log_info("manager", "link_rate")
        .kv("gateway", gateway)
        .kv("device", rec.device.empty() ? std::string("-") : rec.device)
        .kv("source", r.source)
        .kv("bytes", r.bytes)
        .kv("millis", r.millis)
        .kv("bytes_per_s", static_cast<std::uint64_t>(rec.bytes_per_second()));
    return ok_status();
}

Status ReportHandler::on_gateway_state(const std::string& gateway, std::string_view payload) {
    if (payload.empty()) return ok_status();  // a cleared retained state
    auto s = decode_process_state(payload);
    if (!s) return s.error();
    if (s->role != "gateway" || s->id != gateway)
        return make_error("bad_report",
                          "state of " + s->role + " " + s->id + " on the state topic of gateway " + gateway);
    GatewayRecord g{gateway, s->online ? "online" : "offline", clock_.now()};
    auto st = store_.upsert_gateway(g);
    if (!st) return st;
    auto bad = s->counters.find("bad_input");
    log_info("manager", "gateway_state")
        .kv("gateway", gateway)
        .kv("status", g.status)
        .kv("bad_input", bad == s->counters.end() ? 0 : bad->second);
    // Back online: the campaign commands it has not confirmed go again (issue 16).
    if (s->online) return control_.resend_unconfirmed(gateway);
    return ok_status();
}

}  // namespace fleetcast::manager
