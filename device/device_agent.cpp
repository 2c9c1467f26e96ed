#include "device/device_agent.hpp"

#include <type_traits>
#include <utility>
#include <variant>

#include "common/log.hpp"

namespace fleetcast::device {

DeviceAgent::DeviceAgent(DeviceConfig config, Transport& transport, Clock& clock, Counters& counters, Transport* data,
                         std::unique_ptr<DevicePolicy> policy)
    : config_(std::move(config)),
      transport_(transport),
      data_(data ? *data : transport),
      clock_(clock),
      counters_(counters),
      store_(config_.state_dir),
      policy_(policy ? std::move(policy)
              : !config_.real.handlers.empty() || !config_.real.health_check.empty()
                  ? std::make_unique<RealDevice>(config_.real, config_.id, config_.state_dir)
                  : make_device_policy(config_.simulator, config_.boot_health, config_.state_dir)),
      panel_(config_.state_dir) {}

DeviceAgent::~DeviceAgent() = default;

std::string DeviceAgent::offline_payload() const {
    return encode_device_offline(config_.id, config_.gateway, config_.model);
}

Status DeviceAgent::start() {
    auto loaded = store_.load_or_create(config_.model, config_.initial_firmware);
    if (!loaded) {
        log_error("device", "state_load_failed").kv("device", config_.id).kv("error", loaded.error().str());
        return loaded.error();
    }
    state_ = std::move(*loaded);
    if (state_.boot_count == 0) adopt_booted_slots();
    ++state_.boot_count;
    if (state_.boot_count == 1) policy_->at_first_boot(state_.condition, clock_.now());
    // A power cycle clears a type D service call (Fig. 12) and ends a busy job.
    if (state_.condition.service_call == "D" || state_.condition.status == DeviceStatus::Busy) {
        if (state_.boot_count > 1) state_.condition = Condition{};
    }
    if (config_.deferment && (!state_.deferment || state_.deferment->value != *config_.deferment))
        state_.deferment = DefermentParam{*config_.deferment, clock_.now()};
    TrialSteps steps;
    steps.health = [&](const DeviceNvState& s) { return policy_->boot_health(s); };
    steps.commit = [&](const DeviceNvState& s) { return policy_->commit(s); };
    steps.roll_back = [&](const DeviceNvState& s) { return policy_->roll_back(s); };
    std::vector<std::string> trial_components;
    if (state_.trial)
        for (const auto& [component, fw_id] : state_.trial->fw_ids) {
            trial_components.push_back(component);
            if (policy_->has_handler(component)) steps.record_steps = true;
        }
    // Stopped during the activate step (state.json says so): the image is
    // complete and verified in its slot and the flip is stored, but whether
    // the bootloader selects it is unknown. Not a trial boot yet: activate
    // again (idempotent) and reboot into it.
    const bool activating = state_.trial && !state_.trial->attempted && state_.handler_step == "activate";
    Expected<BootOutcome> boot = BootOutcome{};
    if (!activating) boot = settle_boot_trial(state_, steps, [&](const DeviceNvState& s) { return store_.save(s); });
    if (!boot) {
        log_error("device", "state_save_failed").kv("device", config_.id).kv("error", boot.error().str());
        return boot.error();
    }
    // The campaign is reported once, in this power_on; a gateway that misses it
    // re-offers and gets it again from the already-installed path.
    std::string finished_campaign = activating ? std::string() : std::exchange(state_.pending_campaign, std::string());
    auto st = store_.save(state_);
    if (!st) {
        log_error("device", "state_save_failed").kv("device", config_.id).kv("error", st.error().str());
        return st.error();
    }
    started_ = true;
    // The panel shows this boot's state before anything is announced: the view
    // file is still the previous process's last screen ("UPDATING FIRMWARE:
    // receiving 0%"), and the power_on below may complete the update at the
    // manager before this loop's first tick would rewrite it.
    show_panel();
    auto subscribe = [&](Transport& t, const Expected<std::string>& filter) {
        auto sub = t.subscribe(filter);
        if (!sub) log_error("device", "subscribe_failed").kv("device", config_.id).kv("error", sub.error().str());
    };
    subscribe(transport_, topics::dev_cmd(config_.gateway, config_.id));
    subscribe(transport_, topics::dev_probe(config_.gateway, config_.id));
    subscribe(transport_, topics::dev_state(config_.gateway, config_.id));  // our own retained state (OwnRetained)
    subscribe(transport_, topics::gw_state(config_.gateway));               // our gateway coming online (issue 18)
    subscribe(data_, topics::dev_chunk_filter(config_.gateway, config_.id));
    subscribe(data_, topics::dev_fanout_done_filter(config_.gateway, config_.id));
    publish_state();
    if (activating) {
        const std::string campaign = state_.trial->campaign;
        log_warn("device", "activate_resumed").kv("device", config_.id).kv("campaign", campaign);
        if (activate_handlers(campaign)) {
            emit(ProgressEvent{campaign, "restarting", 100});
            restart_requested_ = true;
            return ok_status();
        }
        // Rolled back (activate_handlers reported why): the old images run, as the power_on below says.
    }
    if (boot->rolled_back && !boot->never_booted) {
        // Before power_on, so the gateway records this reason rather than a version mismatch.
        counters_.add("boot_rolled_back");
        emit_error(boot->campaign, boot->fw_id, "boot_failed", boot->reason + "; rolled back to the previous firmware");
    } else if (boot->never_booted) {
        log_warn("device", "boot_fell_back")
            .kv("device", config_.id)
            .kv("campaign", boot->campaign)
            .kv("reason", boot->reason);
    } else if (boot->trial) {
        log_info("device", "boot_confirmed").kv("device", config_.id).kv("campaign", boot->campaign);
    }
    if (boot->trial) policy_->cleanup(boot->campaign, trial_components, state_);
    emit(power_on_event(finished_campaign));
    auto line = log_info("device", "power_on");
    line.kv("device", config_.id).kv("boot_count", state_.boot_count);
    if (!finished_campaign.empty()) line.kv("campaign", finished_campaign);
    for (const auto& [component, c] : state_.components) line.kv(component, c.version);
    if (boot->reboot) {
        // A handler rolled back a slot the new image may be running from: boot the old one now.
        log_warn("device", "reboot_after_rollback").kv("device", config_.id).kv("campaign", boot->campaign);
        restart_requested_ = reboot_requested_ = true;
        return ok_status();
    }
    // Power lost while writing: the slots are verified again before the write.
    if (state_.update_state == UpdateState::Writing) move(UpdateEvent::Resumed);
    if (const auto* update = active_update()) {
        log_info("device", "update_resumed").kv("device", config_.id).kv("campaign", update->campaign);
        enter_receiving();
    }
    return ok_status();
}

void DeviceAgent::adopt_booted_slots() {
    // A new state directory assumes slot a; a box installed (or reflashed) on
    // slot b says so through its handler, and the first update goes to a.
    for (auto& [component, c] : state_.components) {
        if (!policy_->has_handler(component)) continue;
        auto slot = policy_->booted_slot(component);
        if (!slot || *slot == c.active) continue;
        log_info("device", "booted_slot_adopted")
            .kv("device", config_.id)
            .kv("component", component)
            .kv("slot", to_string(*slot));
        c.active = *slot;
    }
}

void DeviceAgent::handle(const MqttEvent& event) {
    if (!started_ || restart_requested_) return;
    switch (event.kind) {
        case MqttEvent::Kind::Connected:
            // The broker may have published our will while we were away.
            publish_state();
            break;
        case MqttEvent::Kind::Message: on_message(event); break;
        case MqttEvent::Kind::ConnectionLost:
        case MqttEvent::Kind::Delivered: break;
    }
}

void DeviceAgent::handle_data(const MqttEvent& event) {
    if (!started_ || restart_requested_) return;
    if (event.kind == MqttEvent::Kind::Message) on_message(event);
}

void DeviceAgent::on_message(const MqttEvent& event) {
    auto topic = topics::parse_topic(event.topic);
    if (!topic) return bad_input("bad_input", event.topic, topic.error().str());
    const auto& t = *topic;
    if (t.gateway != config_.gateway) return bad_input("bad_input", event.topic, "topic of another gateway");
    switch (t.kind) {
        case topics::Kind::DevCmd: {
            if (t.device != config_.id) return bad_input("bad_input", event.topic, "command for another device");
            auto cmd = decode_device_command(event.payload);
            if (!cmd) return bad_input("bad_input", event.topic, cmd.error().str());
            return on_command(*cmd);
        }
        case topics::Kind::DevChunk:
            if (t.device != config_.id) return bad_input("bad_input", event.topic, "chunk for another device");
            return on_chunk(event.topic, t.fw_id, event.payload);
        case topics::Kind::DevFanoutDone: {
            // On the data connection, behind the fan-out's last chunk.
            if (t.device != config_.id) return bad_input("bad_input", event.topic, "fanout_done for another device");
            auto cmd = decode_device_command(event.payload);
            if (!cmd) return bad_input("bad_input", event.topic, cmd.error().str());
            const auto* done = std::get_if<FanoutDoneCmd>(&*cmd);
            if (!done || done->fw_id != t.fw_id)
                return bad_input("bad_input", event.topic, "not the fanout_done of image " + t.fw_id);
            return on_fanout_done(*done);
        }
        case topics::Kind::SiteModelChunk:
            if (t.model != config_.model) return bad_input("bad_input", event.topic, "chunk for another model");
            return on_chunk(event.topic, t.fw_id, event.payload);
        case topics::Kind::DevState:
            if (t.device != config_.id) return bad_input("bad_input", event.topic, "state of another device");
            if (!own_state_.foreign(event.payload)) return;
            // Cleared by a stranger, or lost by the broker: ours again.
            counters_.add("state_restored");
            log_warn("device", "state_restored")
                .kv("device", config_.id)
                .kv("gateway", config_.gateway)
                .kv("found", event.payload.empty() ? "empty" : "foreign");
            return publish_state();
        case topics::Kind::GwState: {
            if (event.payload.empty()) return;  // cleared: nothing to say
            auto state = decode_process_state(event.payload);
            if (!state) return bad_input("bad_input", event.topic, state.error().str());
            const bool was_online = std::exchange(gateway_online_, state->online);
            if (!state->online || was_online) return;
            // The gateway (re)connected, maybe to another node of a broker cluster
            // that does not share our retained state with it: tell it again.
            log_info("device", "gateway_online").kv("device", config_.id).kv("gateway", config_.gateway);
            return publish_state();
        }
        case topics::Kind::DevProbe: {
            // Rate probe (R9): answer at once with what arrived; the gateway times it.
            if (t.device != config_.id) return bad_input("bad_input", event.topic, "probe for another device");
            auto probe = decode_probe_data(event.payload);
            if (!probe) return bad_input("bad_input", event.topic, probe.error().str());
            auto st = transport_.publish(topics::dev_probe_ack(config_.gateway, config_.id),
                                         encode(ProbeAck{probe->probe, probe->bytes}));
            if (!st) log_warn("device", "publish_failed").kv("device", config_.id).kv("error", st.error().str());
            return;
        }
        default: return bad_input("bad_input", event.topic, "unexpected topic for a device");
    }
}

void DeviceAgent::on_command(const DeviceCommand& cmd) {
    std::visit(
        [&](const auto& c) {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, OfferCmd>) on_offer(c);
            else if constexpr (std::is_same_v<T, ExpireCmd>) on_expire(c);
            else if constexpr (std::is_same_v<T, FanoutDoneCmd>) on_fanout_done(c);
            else if constexpr (std::is_same_v<T, CancelCmd>) on_cancel(c);
            else if constexpr (std::is_same_v<T, PostponeCmd>) on_postpone(c);
            else if constexpr (std::is_same_v<T, SuspendCmd>) on_suspend(c);
            else on_set_param(c);
        },
        cmd);
}

void DeviceAgent::publish_state() {
    DeviceState s;
    s.device = config_.id;
    s.gateway = config_.gateway;
    s.model = config_.model;
    s.status = reported_status();
    s.firmware = state_.versions();
    s.at = clock_.now();
    if (s.status == DeviceStatus::Busy) s.activity = state_.condition.activity;
    if (s.status == DeviceStatus::Error) s.service_call = state_.condition.service_call;
    s.deferment = state_.deferment;
    auto payload = encode(s);
    own_state_.published(payload);
    auto st = transport_.publish(topics::dev_state(config_.gateway, config_.id), std::move(payload), true);
    if (!st) log_warn("device", "state_publish_failed").kv("device", config_.id).kv("error", st.error().str());
}

PowerOnEvent DeviceAgent::power_on_event(const std::string& campaign) const {
    PowerOnEvent e{campaign, state_.versions(), state_.boot_count};
    // What each active slot holds, hashed when it was verified (or written, for the factory image).
    for (const auto& [component, c] : state_.components)
        if (!c.sha256.empty()) e.image_sha256[component] = c.sha256;
    return e;
}

template <typename Event>
void DeviceAgent::emit(const Event& e) {
    auto st = transport_.publish(topics::dev_event(config_.gateway, config_.id), encode(e));
    if (!st) log_warn("device", "publish_failed").kv("device", config_.id).kv("error", st.error().str());
}
template void DeviceAgent::emit(const ReadyEvent&);
template void DeviceAgent::emit(const NeedEvent&);
template void DeviceAgent::emit(const ProgressEvent&);
template void DeviceAgent::emit(const PowerOnEvent&);
template void DeviceAgent::emit(const ErrorEvent&);
template void DeviceAgent::emit(const DeferredEvent&);
template void DeviceAgent::emit(const DeferRequestEvent&);
template void DeviceAgent::emit(const CanceledEvent&);

void DeviceAgent::emit_error(const std::string& campaign, const std::string& fw_id, const std::string& code,
                             const std::string& detail) {
    log_warn("device", "update_error")
        .kv("device", config_.id)
        .kv("campaign", campaign)
        .kv("fw", fw_id)
        .kv("code", code)
        .kv("detail", detail);
    emit(ErrorEvent{campaign, fw_id, code, detail});
}

void DeviceAgent::bad_input(const std::string& counter, const std::string& topic, const std::string& error) {
    counters_.add(counter);
    log_warn("device", counter).kv("device", config_.id).kv("topic", topic).kv("error", error);
}

bool DeviceAgent::move(UpdateEvent event) {
    auto to = next_state(state_.update_state, event);
    if (!to) {
        counters_.add("refused_transition");
        log_warn("device", "refused_transition")
            .kv("device", config_.id)
            .kv("state", to_string(state_.update_state))
            .kv("event", to_string(event));
        return false;
    }
    log_debug("device", "update_state")
        .kv("device", config_.id)
        .kv("from", to_string(state_.update_state))
        .kv("event", to_string(event))
        .kv("to", to_string(*to));
    state_.update_state = *to;
    return true;
}

const UpdateInProgress* DeviceAgent::active_update() const {
    bool active = state_.update_state == UpdateState::Receiving || state_.update_state == UpdateState::Writing;
    return active && state_.update ? &*state_.update : nullptr;
}

const PendingRequest* DeviceAgent::waiting_request() const {
    bool waiting = state_.update_state == UpdateState::AwaitingDeferment;
    return waiting && state_.pending_request ? &*state_.pending_request : nullptr;
}

bool DeviceAgent::active_campaign(const std::string& campaign) const {
    const auto* u = active_update();
    return u && u->campaign == campaign;
}

bool DeviceAgent::waiting_campaign(const std::string& campaign) const {
    const auto* r = waiting_request();
    return r && r->campaign == campaign;
}

Slot DeviceAgent::inactive_slot(const std::string& component) const {
    auto it = state_.components.find(component);
    // A component new to this device has no active slot yet: it goes to b, a stays empty.
    return it == state_.components.end() ? Slot::B : other(it->second.active);
}

}  // namespace fleetcast::device
