#include "gateway/rate_meter.hpp"

#include <algorithm>

#include "common/log.hpp"
#include "common/topics.hpp"

namespace fleetcast::gateway {

RateMeter::RateMeter(Transport& transport, Clock& clock, Counters& counters, std::string gateway,
                     RateMeterConfig config)
    : transport_(transport), clock_(clock), counters_(counters), gateway_(std::move(gateway)), config_(config) {}

void RateMeter::manager_chunk(const std::string& fw_id, std::uint64_t bytes) {
    auto now = clock_.now();
    Window& w = downloads_[fw_id];
    // The first chunk of a burst only starts the clock: its own transfer time is unknown.
    if (w.started && now >= w.last && now - w.last <= config_.idle_gap) {
        w.active += std::chrono::duration_cast<Millis>(now - w.last);
        w.bytes += bytes;
    }
    w.started = true;
    w.last = now;
}

void RateMeter::manager_download_done(const std::string& fw_id, std::string_view source) {
    auto it = downloads_.find(fw_id);
    if (it == downloads_.end()) return;
    Window w = it->second;
    downloads_.erase(it);
    if (w.bytes == 0 || w.active.count() <= 0) return;  // too fast or too small to time
    report(RateLink::Manager, "", w.bytes, w.active, source);
}

void RateMeter::offered(const std::string& campaign, const std::string& device, std::uint64_t bytes) {
    offers_[{campaign, device}] = {clock_.now(), bytes};
}

void RateMeter::delivered(const std::string& campaign, const std::string& device) {
    auto it = offers_.find({campaign, device});
    if (it == offers_.end()) return;
    auto [at, bytes] = it->second;
    offers_.erase(it);
    auto took = std::chrono::duration_cast<Millis>(clock_.now() - at);
    if (bytes == 0 || took.count() <= 0) return;
    report(RateLink::Device, device, bytes, took, "fanout");
}

std::optional<double> RateMeter::device_rate(const std::string& device) const {
    auto it = device_rates_.find(device);
    if (it == device_rates_.end()) return std::nullopt;
    return it->second;
}

void RateMeter::report(RateLink link, const std::string& device, std::uint64_t bytes, Millis took,
                       std::string_view source) {
    RateReport r;
    r.link = link;
    r.device = device;
    r.bytes = bytes;
    r.millis = static_cast<std::uint64_t>(took.count());
    r.source = std::string(source);
    r.at = clock_.now();
    if (link == RateLink::Manager) {
        have_manager_ = true;
        manager_bytes_per_s_ = r.bytes_per_second();
    } else {
        have_device_.insert(device);
        device_rates_[device] = r.bytes_per_second();
    }
    counters_.add("rate_reports");
    auto st = transport_.publish(topics::gw_report(gateway_), encode(r));
    if (!st) log_warn("gateway", "report_failed").kv("gateway", gateway_).kv("error", st.error().str());
    log_info("gateway", "link_rate")
        .kv("gateway", gateway_)
        .kv("link", to_string(link))
        .kv("device", device.empty() ? std::string("-") : device)
        .kv("source", source)
        .kv("bytes", bytes)
        .kv("millis", r.millis)
        .kv("bytes_per_s", static_cast<std::uint64_t>(r.bytes_per_second()));
}

std::string RateMeter::next_probe_id() { return "p-" + std::to_string(++probe_seq_); }

bool RateMeter::probing(const std::string& device, TimePoint now) const {
    return std::any_of(probes_.begin(), probes_.end(), [&](const auto& p) {
        return p.second.device == device && now - p.second.sent < config_.probe_timeout;
    });
}

void RateMeter::tick(bool manager_online, const std::map<std::string, DeviceState>& devices) {
    if (!config_.probe) return;
    auto now = clock_.now();
    std::erase_if(probes_, [&](const auto& p) { return now - p.second.sent >= config_.probe_timeout; });
    if (manager_online && !have_manager_ && !probing("", now)) {
        auto id = next_probe_id();
        probes_[id] = Probe{"", now, config_.manager_probe_bytes};
        auto st = transport_.publish(topics::gw_probe(gateway_), encode(ProbeRequest{id, config_.manager_probe_bytes}));
        if (!st) log_warn("gateway", "probe_failed").kv("gateway", gateway_).kv("error", st.error().str());
        log_info("gateway", "probe_sent").kv("gateway", gateway_).kv("link", "manager").kv("probe", id);
    }
    for (const auto& [device, state] : devices) {
        if (probes_.size() >= config_.max_device_probes + 1) break;
        if (state.status == DeviceStatus::Offline || have_device_.count(device) || probing(device, now)) continue;
        auto topic = topics::dev_probe(gateway_, device);
        if (!topic) {  // a stored device id that makes no topic: never probed
            counters_.add("bad_topic");
            log_warn("gateway", "probe_failed")
                .kv("gateway", gateway_)
                .kv("device", device)
                .kv("error", topic.error().str());
            continue;
        }
        auto id = next_probe_id();
        std::string data = encode_probe_data(id, config_.device_probe_bytes);
        probes_[id] = Probe{device, now, data.size()};
        auto st = transport_.publish(*topic, std::move(data));
        if (!st)
            log_warn("gateway", "probe_failed")
                .kv("gateway", gateway_)
                .kv("device", device)
                .kv("error", st.error().str());
        log_debug("gateway", "probe_sent")
            .kv("gateway", gateway_)
            .kv("link", "device")
            .kv("device", device)
            .kv("probe", id);
    }
}

Status RateMeter::on_manager_probe_data(std::string_view payload) {
    auto data = decode_probe_data(payload);
    if (!data) return data.error();
    auto it = probes_.find(data->probe);
    if (it == probes_.end() || !it->second.device.empty()) {
        log_debug("gateway", "probe_unknown").kv("gateway", gateway_).kv("probe", data->probe);
        return ok_status();  // a late or duplicate answer: harmless
    }
    // Round trip: request out, data back; at least 1 ms so a fast link is a finite figure.
    auto took = std::max(Millis{1}, std::chrono::duration_cast<Millis>(clock_.now() - it->second.sent));
    probes_.erase(it);
    if (!have_manager_) report(RateLink::Manager, "", data->bytes, took, "probe");
    return ok_status();
}

Status RateMeter::on_device_probe_ack(const std::string& device, std::string_view payload) {
    auto ack = decode_probe_ack(payload);
    if (!ack) return ack.error();
    auto it = probes_.find(ack->probe);
    if (it == probes_.end() || it->second.device != device) {
        log_debug("gateway", "probe_unknown").kv("gateway", gateway_).kv("device", device).kv("probe", ack->probe);
        return ok_status();
    }
    auto took = std::max(Millis{1}, std::chrono::duration_cast<Millis>(clock_.now() - it->second.sent));
    auto bytes = it->second.bytes;
    probes_.erase(it);
    if (!have_device_.count(device)) report(RateLink::Device, device, bytes, took, "probe");
    return ok_status();
}

}  // namespace fleetcast::gateway
