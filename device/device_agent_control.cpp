// The device's side of the handshake and of defer/cancel (R11-R15), its local
// settings (deferment, busy/service-call condition) and the panel (R20).
#include "common/log.hpp"
#include "device/device_agent.hpp"
#include "device/panel_view.hpp"

namespace fleetcast::device {

namespace {
constexpr std::size_t kPanelRequestsPerTick = 8;
}

DeviceStatus DeviceAgent::reported_status() const {
    if (active_update()) return DeviceStatus::Updating;
    return state_.condition.status;
}

bool DeviceAgent::save_state() {
    auto st = store_.save(state_);
    if (!st) log_error("device", "state_save_failed").kv("device", config_.id).kv("error", st.error().str());
    return st.ok();
}

void DeviceAgent::wait_deferment(const std::string& campaign, std::vector<FirmwareManifest> firmware) {
    Millis wait = state_.deferment ? state_.deferment->value : Millis(0);
    if (wait.count() == 0) wait = Millis(1000);  // auto-defer profile: a moment to press the key
    // R12: the answer comes only after the deferment period; meanwhile the
    // panel shows the waiting screen (defer / cancel). Persisted first.
    if (!move(UpdateEvent::Requested)) return;
    state_.pending_request = PendingRequest{campaign, std::move(firmware), clock_.now() + wait};
    state_.postponed_until.reset();
    state_.held_campaign.clear();
    if (!save_state()) {
        state_.pending_request.reset();
        state_.update_state = update_state_of(state_);  // what the data left says: nothing waits
        return emit_error(campaign, "", "write_failure", "cannot store the communication request");
    }
    log_info("device", "answer_deferred")
        .kv("device", config_.id)
        .kv("campaign", campaign)
        .kv("answer_at", format_time(state_.pending_request->answer_at));
    show_panel();  // the waiting screen is up before the gateway (and the operator) hear "deferred"
    emit(DeferredEvent{campaign, state_.pending_request->answer_at});
}

void DeviceAgent::control_tick() {
    auto now = clock_.now();
    if (policy_->busy_over(now)) {
        if (state_.condition.status == DeviceStatus::Busy) {
            state_.condition = Condition{};
            save_state();
            log_info("device", "idle_again").kv("device", config_.id);
            publish_state();
        }
    }
    if (waiting_request() && policy_->presses_defer()) {
        panel_defer("auto-defer-" + config_.id + "-" + std::to_string(state_.boot_count), std::nullopt);
    }
    if (waiting_request() && now >= waiting_request()->answer_at) {
        auto req = std::move(*state_.pending_request);
        state_.pending_request.reset();
        log_info("device", "deferment_over").kv("device", config_.id).kv("campaign", req.campaign);
        begin_update(req.campaign, std::move(req.firmware));
        if (restart_requested_) return;
    }
    if (now - last_panel_poll_ >= config_.panel_poll || now < last_panel_poll_) {
        last_panel_poll_ = now;
        for (auto& item : panel_.take(kPanelRequestsPerTick)) {
            PanelResponse resp{item.id, false, ""};
            if (!item.request) {
                counters_.add("bad_panel_request");
                log_warn("device", "bad_panel_request")
                    .kv("device", config_.id)
                    .kv("request", item.id)
                    .kv("error", item.request.error().str());
                resp.message = item.request.error().message;
                panel_.answer(resp);
                continue;
            }
            const auto& r = *item.request;
            Expected<std::string> result = make_error("bad_value", "unknown action");
            if (r.action == "defer") result = panel_defer(r.id, r.by);
            else if (r.action == "cancel") result = panel_cancel(r.id);
            else if (r.action == "set_deferment") result = set_deferment(r.value);
            else if (r.action == "set_status") result = set_condition(r.condition);
            resp.ok = result.ok();
            resp.message = result ? *result : result.error().message;
            log_info("device", "panel_request")
                .kv("device", config_.id)
                .kv("request", r.id)
                .kv("action", r.action)
                .kv("ok", resp.ok)
                .kv("message", resp.message);
            panel_.answer(resp);
            if (restart_requested_) return;
        }
    }
    show_panel();
}

void DeviceAgent::show_panel() {
    panel_.show(
        panel_view_json(config_, state_, reported_status(), state_.update_state == UpdateState::Writing, downloads_));
}

Expected<std::string> DeviceAgent::panel_defer(const std::string& request_id, std::optional<Millis> by) {
    if (!waiting_request())
        return make_error("refused", active_update() ? "the update is already running: only cancel is possible"
                                                     : "no update is waiting: nothing to defer");
    std::string campaign = state_.pending_request->campaign;
    move(UpdateEvent::Deferred);
    state_.pending_request.reset();
    if (!save_state()) return make_error("io", "cannot store the state");
    // The gateway owns the update time: it moves it and asks again then (R14).
    emit(DeferRequestEvent{campaign, request_id, by});
    log_info("device", "defer_requested").kv("device", config_.id).kv("campaign", campaign).kv("request", request_id);
    return "update of campaign " + campaign + " deferred; the gateway asks again later";
}

Expected<std::string> DeviceAgent::panel_cancel(const std::string& request_id) {
    std::string campaign = waiting_request() ? waiting_request()->campaign
                           : active_update() ? active_update()->campaign
                                             : std::string();
    if (campaign.empty())
        return make_error("refused",
                          "no update is waiting or running: nothing to cancel (a flipped boot pointer stays)");
    if (!cancel_update(campaign, request_id, "panel")) return make_error("io", "cannot store the state");
    return "update of campaign " + campaign + " canceled; firmware stays " + [&] {
        std::string v;
        for (const auto& [c, ver] : state_.versions()) v += (v.empty() ? "" : ",") + c + "=" + ver;
        return v;
    }();
}

bool DeviceAgent::cancel_update(const std::string& campaign, const std::string& request_id, const std::string& by) {
    Versions before = state_.versions();
    std::string stage = state_.update_state == UpdateState::AwaitingDeferment              ? "waiting"
                        : state_.update_state == UpdateState::Writing && installing_until_ ? "writing"
                                                                                           : "receiving";
    if (active_campaign(campaign) || waiting_campaign(campaign)) move(UpdateEvent::Canceled);
    if (state_.update && state_.update->campaign == campaign) {
        fanout_subscriptions(false);
        downloads_.clear();
        installing_until_.reset();
        state_.update.reset();
    }
    if (state_.pending_request && state_.pending_request->campaign == campaign) state_.pending_request.reset();
    state_.postponed_until.reset();
    state_.held_campaign.clear();
    // The boot pointer never moved: the device keeps running what it ran (R15).
    state_.last_update = LastUpdate{campaign, "canceled", before, before, clock_.now()};
    if (!save_state()) return false;
    log_info("device", "update_canceled")
        .kv("device", config_.id)
        .kv("campaign", campaign)
        .kv("by", by)
        .kv("stage", stage)
        .kv("request", request_id);
    emit(CanceledEvent{campaign, request_id, by});
    publish_state();
    return true;
}

void DeviceAgent::on_cancel(const CancelCmd& cmd) {
    bool active = active_campaign(cmd.campaign) || waiting_campaign(cmd.campaign);
    if (active) {
        cancel_update(cmd.campaign, cmd.request_id, cmd.by);
        return;
    }
    if (state_.last_update && state_.last_update->campaign == cmd.campaign &&
        state_.last_update->result == "canceled") {
        // A redelivered cancel, or the gateway missed our answer: say it again, nothing else.
        emit(CanceledEvent{cmd.campaign, cmd.request_id, cmd.by});
        return;
    }
    counters_.add("stale_command");
    log_info("device", "cancel_too_late")
        .kv("device", config_.id)
        .kv("campaign", cmd.campaign)
        .kv("why", "no update of this campaign is waiting or running (boot pointer flipped or never started)");
}

void DeviceAgent::on_postpone(const PostponeCmd& cmd) {
    // Another campaign's update or request goes on; at rest the panel shows the new time.
    auto at_rest = [&] {
        auto s = state_.update_state;
        return s == UpdateState::Idle || s == UpdateState::Postponed || s == UpdateState::Held;
    };
    if (active_campaign(cmd.campaign)) {
        abandon_update("postponed by the gateway", UpdateEvent::Postponed);
    } else if (waiting_campaign(cmd.campaign)) {
        move(UpdateEvent::Postponed);
        state_.pending_request.reset();
    } else if (at_rest()) {
        move(UpdateEvent::Postponed);
    }
    state_.postponed_until = cmd.until;
    save_state();
    log_info("device", "update_postponed")
        .kv("device", config_.id)
        .kv("campaign", cmd.campaign)
        .kv("until", format_time(cmd.until));
}

void DeviceAgent::on_suspend(const SuspendCmd& cmd) {
    // R19: stop receiving; the chunks written so far stay in the slot, and
    // the offer that follows the operator's resume continues from them.
    bool receiving = active_campaign(cmd.campaign) && state_.update_state == UpdateState::Receiving;
    bool requested = waiting_campaign(cmd.campaign);
    if (!receiving && !requested) {
        counters_.add("stale_command");
        log_info("device", "suspend_ignored")
            .kv("device", config_.id)
            .kv("campaign", cmd.campaign)
            .kv("why", "no transfer of this campaign is running or requested");
        return;
    }
    state_.held_campaign = cmd.campaign;  // the panel says why nothing happens
    if (requested) {
        move(UpdateEvent::Suspended);
        state_.pending_request.reset();
        save_state();
    } else {
        abandon_update("suspended by the operator", UpdateEvent::Suspended);  // saves the state
    }
    log_info("device", "update_suspended")
        .kv("device", config_.id)
        .kv("campaign", cmd.campaign)
        .kv("request", cmd.request_id);
}

void DeviceAgent::on_set_param(const SetParamCmd& cmd) {
    auto r = set_deferment(cmd.value);
    log_info("device", "set_param")
        .kv("device", config_.id)
        .kv("name", cmd.name)
        .kv("value_ms", cmd.value.count())
        .kv("request", cmd.request_id)
        .kv("ok", r.ok());
}

Expected<std::string> DeviceAgent::set_deferment(Millis value) {
    if (value > kMaxDeferment) return make_error("bad_value", "deferment is at most 7 days");
    state_.deferment = DefermentParam{value, clock_.now()};
    if (!save_state()) return make_error("io", "cannot store the state");
    publish_state();
    return "deferment set to " + std::to_string(value.count() / 1000) + " s at " +
           format_time(state_.deferment->set_at);
}

Expected<std::string> DeviceAgent::set_condition(const Condition& condition) {
    state_.condition = condition;
    policy_->condition_set();
    if (!save_state()) return make_error("io", "cannot store the state");
    publish_state();
    return std::string("status ") + std::string(to_string(condition.status)) +
           (condition.service_call.empty() ? "" : " (service call " + condition.service_call + ")");
}

}  // namespace fleetcast::device
