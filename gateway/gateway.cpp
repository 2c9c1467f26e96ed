#include "gateway/gateway.hpp"

#include "common/atomic_file.hpp"
#include "common/log.hpp"
#include "common/topics.hpp"

namespace fleetcast::gateway {

namespace {
// Larger than any legitimate message (a schedule is bounded by the broker's
// packet size, a chunk by kMaxChunkSize): refused before any parsing.
constexpr std::size_t kMaxPayload = 64 * 1024 * 1024;
constexpr Millis kScanInterval{1000};
}  // namespace

Gateway::Gateway(GatewayConfig config, Transport& transport, Clock& clock, GatewayStore& store)
    : config_(std::move(config)),
      transport_(transport),
      clock_(clock),
      store_(store),
      sender_(transport, config_.id, config_.fanout_window),
      jobs_(store, transport, config_.id, plans_, sender_, config_.answer_timeout),
      fetcher_(transport, clock, counters_, config_.id, config_.state_dir / "cache", config_.fetch_window,
               config_.fetch_retry),
      rates_(transport, clock, counters_, config_.id, config_.rates),
      campaigns_(config_.trust_keys, clock) {
    fetcher_.set_rate_meter(&rates_);
    for (auto name : {"bad_input", "bad_chunk", "corrupt_image", "bad_manifest", "power_on_refused", "bad_window"})
        counters_.add(name, 0);
}

Status Gateway::start() {
    auto st = ensure_dir(config_.state_dir / "cache");
    if (!st) return st;
    auto schedules = store_.load_schedules();
    if (!schedules) return schedules.error();
    st = jobs_.load();
    if (!st) return st;
    auto devices = store_.load_devices();
    if (!devices) return devices.error();
    for (auto& d : *devices) {
        d.gateway = config_.id;  // every stored device is behind this gateway (the row does not repeat it)
        devices_[d.device] = std::move(d);
    }
    auto marks = store_.load_fanout_marks();
    if (!marks) return marks.error();
    fanout_marks_ = std::move(*marks);
    auto holds = store_.load_campaign_holds();
    if (!holds) return holds.error();
    campaigns_.load(std::move(*schedules), std::move(*holds));
    st = load_window();
    if (!st) return st;
    // Devices that were being offered an image before the restart get the
    // offer again: they resume their partial slot and answer ready.
    jobs_.apply_all(JobEvent::OfferAgain, clock_.now(), [](const JobRow& job) { return may_be_reoffered(job.state); });
    log_info("gateway", "started")
        .kv("gateway", config_.id)
        .kv("schedules", campaigns_.schedules().size())
        .kv("jobs", jobs_.rows().size())
        .kv("devices", devices_.size());

    const Expected<std::string> filters[] = {topics::gw_schedule_filter(config_.id),
                                             topics::gw_chunk_filter(config_.id),
                                             topics::dev_event_filter(config_.id),
                                             topics::dev_state_filter(config_.id),
                                             topics::gw_cmd(config_.id),
                                             topics::gw_window(config_.id),
                                             topics::manager_state(),
                                             topics::gw_probe_data(config_.id),
                                             topics::dev_probe_ack_filter(config_.id),
                                             topics::bridge_state(config_.id),
                                             topics::gw_state(config_.id)};  // our own retained state (OwnRetained)
    for (const auto& filter : filters) {
        st = transport_.subscribe(filter);
        if (!st) return st;
    }
    // Connected publishes it: once our subscriptions exist, so that what our
    // online state prompts (devices re-announcing themselves) is heard.
    if (transport_.connected()) publish_state(clock_.now());
    return ok_status();
}

void Gateway::stop() {
    fetcher_.checkpoint_all();
    save_fanout_marks();
    log_info("gateway", "stopped").kv("gateway", config_.id);
}

ProcessState Gateway::process_state(bool online) const {
    ProcessState s;
    s.role = "gateway";
    s.id = config_.id;
    s.online = online;
    s.at = clock_.now();
    s.counters = counters_.snapshot();
    return s;
}

void Gateway::publish_state(TimePoint now) {
    auto state = process_state(true);
    auto payload = encode(state);
    own_state_.published(payload);
    auto st = transport_.publish(topics::gw_state(config_.id), std::move(payload), true);
    if (!st) log_warn("gateway", "state_publish_failed").kv("gateway", config_.id).kv("error", st.error().str());
    published_counters_ = state.counters;
    last_state_at_ = now;
}

void Gateway::handle(const MqttEvent& event) {
    switch (event.kind) {
        case MqttEvent::Kind::Message: on_message(event); break;
        case MqttEvent::Kind::Connected:
            // The broker may have published our will while we were away.
            log_info("gateway", "connected").kv("gateway", config_.id).kv("session_lost", event.session_lost);
            publish_state(clock_.now());
            if (event.session_lost) reoffer_transfers();
            send_digest();  // R27: whatever the manager missed while we were away
            break;
        case MqttEvent::Kind::ConnectionLost: log_warn("gateway", "connection_lost").kv("gateway", config_.id); break;
        case MqttEvent::Kind::Delivered: break;  // tick() sends more
    }
}

void Gateway::tick() {
    auto now = clock_.now();
    jobs_.flush_progress();
    fetcher_.tick();
    if (dirty_ || now - last_scan_ >= kScanInterval || now < last_scan_) {
        dirty_ = false;
        last_scan_ = now;
        check_window(now);
        run_schedules(now);
        check_power_on(now);
        rates_.tick(manager_online_, devices_);
        save_fanout_marks();
    }
    run_fanouts(now);
    check_answers(now);
    check_digest(now);
    if (transport_.connected() && counters_.snapshot() != published_counters_ &&
        now - last_state_at_ >= config_.state_interval)
        publish_state(now);
}

void Gateway::reoffer_transfers() {
    // The broker lost our session (it restarted without persistence): the
    // chunks and commands it held for the devices are gone, and so are the
    // devices' sessions. Every transfer in progress is offered again; the
    // devices answer from their partial slots with what they lack and share
    // one new fan-out of it, instead of each repairing on its own.
    sender_.stop_all();
    plans_.reset_all();
    fanout_marks_.clear();  // what the broker had accepted is gone with it
    if (auto st = store_.clear_fanout_marks(); !st)
        log_error("gateway", "fanout_marks_clear_failed").kv("gateway", config_.id).kv("error", st.error().str());
    auto n = jobs_.apply_all(JobEvent::OfferAgain, clock_.now(),
                             [](const JobRow& job) { return may_be_reoffered(job.state); });
    // A first connection (or one with nothing in flight) has nothing to warn about.
    if (n > 0)
        log_warn("gateway", "transfers_reoffered")
            .kv("gateway", config_.id)
            .kv("jobs", n)
            .kv("why", "broker session lost");
    dirty_ = true;
}

void Gateway::bad_input(std::string_view what, const std::string& topic, const Error& error) {
    counters_.add("bad_input");
    log_warn("gateway", "bad_input")
        .kv("gateway", config_.id)
        .kv("what", what)
        .kv("topic", topic)
        .kv("error", error.str())
        .kv("bad_input", counters_.get("bad_input"));
}

Status Gateway::publish_counted(const Expected<std::string>& topic, std::string payload) {
    if (!topic) counters_.add("bad_topic");
    return transport_.publish(topic, std::move(payload));
}

void Gateway::on_message(const MqttEvent& event) {
    if (event.payload.size() > kMaxPayload)
        return bad_input("oversized_payload", event.topic,
                         make_error("too_large", std::to_string(event.payload.size()) + " bytes"));
    auto parsed = topics::parse_topic(event.topic);
    if (!parsed) return bad_input("bad_topic", event.topic, parsed.error());
    if (parsed->kind == topics::Kind::ManagerState) return on_manager_state(event.topic, event.payload);
    if (parsed->kind == topics::Kind::BridgeState && parsed->gateway == config_.id) {
        // mosquitto's bridge notification on a site broker: "1" connected, "0" not.
        if (event.payload != "0" && event.payload != "1")
            return bad_input("bridge_state", event.topic, make_error("bad_value", "expected 0 or 1"));
        return fetcher_.set_link_up(event.payload == "1");
    }
    if (parsed->gateway != config_.id)
        return bad_input("foreign_topic", event.topic, make_error("bad_topic", "not for gateway " + config_.id));
    switch (parsed->kind) {
        case topics::Kind::GwSchedule: return on_schedule(event.topic, parsed->campaign, event.payload);
        case topics::Kind::GwChunk: return on_manager_chunk(event.topic, parsed->fw_id, event.payload);
        case topics::Kind::DevState: return on_device_state(event.topic, parsed->device, event.payload);
        case topics::Kind::DevEvent: return on_device_event(event.topic, parsed->device, event.payload);
        case topics::Kind::GwProbeData: {
            auto st = rates_.on_manager_probe_data(event.payload);
            if (!st) bad_input("probe_data", event.topic, st.error());
            return;
        }
        case topics::Kind::DevProbeAck: {
            auto st = rates_.on_device_probe_ack(parsed->device, event.payload);
            if (!st) bad_input("probe_ack", event.topic, st.error());
            return;
        }
        case topics::Kind::GwCmd: return on_gateway_command(event.topic, event.payload);
        case topics::Kind::GwWindow: return on_window(event.topic, event.payload);
        case topics::Kind::GwState:
            if (!own_state_.foreign(event.payload)) return;
            // Cleared by a stranger, or lost by the broker: ours again.
            counters_.add("state_restored");
            log_warn("gateway", "state_restored")
                .kv("gateway", config_.id)
                .kv("found", event.payload.empty() ? "empty" : "foreign");
            return publish_state(clock_.now());
        default: return bad_input("unexpected_topic", event.topic, make_error("bad_topic", "not a gateway input"));
    }
}

void Gateway::on_manager_state(const std::string& topic, const std::string& payload) {
    if (payload.empty()) return;
    auto state = decode_process_state(payload);
    if (!state) return bad_input("manager_state", topic, state.error());
    bool was_online = manager_online_;
    manager_online_ = state->online;
    if (!manager_online_ || was_online) return;
    // A manager that comes online for the first time has no session on the
    // broker yet and missed what we reported before: tell it every device again.
    log_info("gateway", "manager_online").kv("gateway", config_.id).kv("devices", devices_.size());
    for (const auto& [id, device] : devices_) {
        auto st = transport_.publish(topics::gw_report(config_.id), encode(DeviceSeenReport{device}));
        if (!st) log_warn("gateway", "report_failed").kv("device", id).kv("error", st.error().str());
    }
    send_digest();
}

}  // namespace fleetcast::gateway
