// The update itself: offer checks, receiving chunks into the inactive slots,
// asking for what is missing, verifying, and the one atomic boot pointer flip.
#include <set>

#include "common/ids.hpp"
#include "common/log.hpp"
#include "device/delta_rebuild.hpp"
#include "device/device_agent.hpp"

namespace fleetcast::device {

namespace {
std::vector<std::string> fw_ids_of(const std::vector<FirmwareManifest>& firmware) {
    std::vector<std::string> ids;
    for (const auto& m : firmware) ids.push_back(m.fw_id);
    return ids;
}
}  // namespace

bool DeviceAgent::offer_acceptable(const OfferCmd& offer, std::vector<FirmwareManifest>& todo) {
    bool ok = true;
    std::set<std::string> components;
    for (const auto& m : offer.firmware) {
        auto reject = [&](const std::string& code, const std::string& why) {
            emit_error(offer.campaign, m.fw_id, code, why);
            ok = false;
        };
        // The device trusts the manager's key, never the gateway that relayed the offer.
        auto verified = config_.trust_keys
                            ? verify_manifest(m, *config_.trust_keys, clock_.now())
                            : Status(make_error("bad_manifest", "no trusted manager key is provisioned"));
        if (!verified) {
            counters_.add("bad_manifest");
            reject("bad_manifest", verified.error().message);
            continue;
        }
        if (!components.insert(m.component).second) {
            reject("bad_manifest", "component " + m.component + " offered twice");
            continue;
        }
        if (m.model != config_.model) {
            reject("rejected", "image is for model " + m.model + ", device is " + config_.model);
            continue;
        }
        auto it = state_.components.find(m.component);
        if (it != state_.components.end()) {
            int cmp = compare_versions(m.version, it->second.version);
            if (cmp == 0) continue;  // already runs it
            if (cmp < 0 && !m.allow_downgrade) {
                reject("rejected", "downgrade of " + m.component + " from " + it->second.version + " to " + m.version +
                                       " not allowed");
                continue;
            }
        }
        if (is_delta(m)) {
            // The gateway sends the full image instead (issue 17).
            if (auto usable = delta_usable(m); !usable) {
                delta_refused(offer.campaign, m, usable.error().message);
                ok = false;
                continue;
            }
        }
        todo.push_back(m);
    }
    return ok;
}

void DeviceAgent::on_offer(const OfferCmd& offer) {
    std::vector<FirmwareManifest> todo;
    if (!offer_acceptable(offer, todo)) return;  // all components flip together, or none
    if (todo.empty()) {
        // A duplicate offer after the restart (or nothing to do): say again what runs.
        log_info("device", "offer_already_installed").kv("device", config_.id).kv("campaign", offer.campaign);
        emit(power_on_event(offer.campaign));
        return;
    }
    const auto* update = active_update();
    if (update && update->campaign == offer.campaign && fw_ids_of(update->firmware) == fw_ids_of(todo)) {
        log_info("device", "offer_duplicate").kv("device", config_.id).kv("campaign", offer.campaign);
        publish_state();
        send_ready();
        return;
    }
    if (waiting_campaign(offer.campaign)) {
        // A repeated communication request while we wait out the deferment: same answer time.
        emit(DeferredEvent{offer.campaign, waiting_request()->answer_at});
        return;
    }
    if (update) abandon_update("replaced by campaign " + offer.campaign);
    if (state_.deferment && state_.deferment->value.count() > 0) return wait_deferment(offer.campaign, std::move(todo));
    if (policy_->will_defer()) return wait_deferment(offer.campaign, std::move(todo));
    begin_update(offer.campaign, std::move(todo));
}

void DeviceAgent::begin_update(const std::string& campaign, std::vector<FirmwareManifest> firmware) {
    // Persisted before anything is opened: a restart from here on resumes this update.
    if (!move(UpdateEvent::Accepted)) return;
    state_.update = UpdateInProgress{campaign, std::move(firmware)};
    state_.pending_request.reset();
    state_.postponed_until.reset();
    state_.held_campaign.clear();
    auto st = store_.save(state_);
    if (!st) {
        state_.update.reset();
        state_.update_state = update_state_of(state_);  // what the data left says: nothing started
        emit_error(campaign, "", "write_failure", st.error().message);
        return;
    }
    for (const auto& m : state_.update->firmware)
        log_info("device", "update_accepted")
            .kv("device", config_.id)
            .kv("campaign", campaign)
            .kv("fw", m.fw_id)
            .kv("component", m.component)
            .kv("version", m.version)
            .kv("slot", to_string(inactive_slot(m.component)));
    enter_receiving();
}

void DeviceAgent::enter_receiving() {
    if (!open_downloads()) return;
    fanout_subscriptions(true);
    publish_state();
    send_ready();
    fanout_started_ = false;
    last_activity_ = clock_.now();
    std::uint64_t got = 0, total = 0;
    for (const auto& [id, d] : downloads_) got += d->received(), total += d->chunk_count();
    last_decile_ = total ? static_cast<std::uint32_t>(got * 10 / total) : 0;
    if (all_complete()) install();
}

void DeviceAgent::send_ready() {
    // The boot count lets the gateway tell a power_on after this answer's
    // install from an earlier one; a resumed slot says what it lacks, so the
    // fan-out sends only that.
    ReadyEvent ready{state_.update->campaign, fw_ids_of(state_.update->firmware), state_.boot_count};
    for (const auto& [id, d] : downloads_)
        if (d->received() > 0) ready.missing[id] = d->missing(kMaxReadyRanges);
    emit(ready);
}

bool DeviceAgent::open_downloads() {
    downloads_.clear();
    for (const auto& m : state_.update->firmware) {
        const Slot slot = inactive_slot(m.component);
        // A delta's chunks are staged beside the slot; the slot gets the rebuilt image (issue 17).
        const auto staging =
            m.encoding ? delta_staging_path(store_.slot_path(m.component, slot)) : store_.slot_path(m.component, slot);
        // Asked at every (re)start of the download: the handler deselects the slot each time.
        auto target = policy_->has_handler(m.component) && !m.encoding
                          ? policy_->direct_target(state_.update->campaign, m, slot, state_)
                          : std::nullopt;
        auto d = target ? ImageDownload::open_direct(m, staging, *target) : ImageDownload::open(m, staging);
        if (!d) {
            std::string code = d.error().code == "no_space" ? "no_space" : "write_failure";
            emit_error(state_.update->campaign, m.fw_id, code, d.error().message);
            abandon_update("cannot open slot: " + d.error().message);
            return false;
        }
        if (target)
            log_info("device", "slot_direct")
                .kv("device", config_.id)
                .kv("campaign", state_.update->campaign)
                .kv("fw", m.fw_id)
                .kv("component", m.component)
                .kv("target", target->string());
        if ((*d)->received() > 0)
            log_info("device", "slot_resumed")
                .kv("device", config_.id)
                .kv("fw", m.fw_id)
                .kv("have", (*d)->received())
                .kv("of", (*d)->chunk_count());
        downloads_[m.fw_id] = std::move(*d);
    }
    return true;
}

void DeviceAgent::abandon_update(const std::string& why, UpdateEvent event) {
    move(event);
    log_warn("device", "update_abandoned")
        .kv("device", config_.id)
        .kv("campaign", state_.update->campaign)
        .kv("why", why);
    fanout_subscriptions(false);
    downloads_.clear();  // partial slot files stay; an offer of the same image resumes them
    rebuilt_sha256_.clear();
    installing_until_.reset();
    if (!state_.handler_step.empty()) {
        std::vector<std::string> components;
        for (const auto& m : state_.update->firmware) components.push_back(m.component);
        policy_->cleanup(state_.update->campaign, components, state_);
    }
    state_.handler_step.clear();
    state_.update.reset();
    auto st = store_.save(state_);
    if (!st) log_error("device", "state_save_failed").kv("device", config_.id).kv("error", st.error().str());
    publish_state();
}

void DeviceAgent::fanout_subscriptions(bool subscribe) {
    for (const auto& m : state_.update->firmware) {
        auto filter = topics::site_model_chunk(config_.gateway, config_.model, m.fw_id);
        auto st = subscribe ? data_.subscribe(filter) : data_.unsubscribe(filter);
        if (!st)
            log_warn("device", subscribe ? "subscribe_failed" : "unsubscribe_failed")
                .kv("device", config_.id)
                .kv("fw", m.fw_id)
                .kv("error", st.error().str());
    }
}

void DeviceAgent::on_chunk(const std::string& topic, const std::string& fw_id, const std::string& payload) {
    auto it = downloads_.find(fw_id);
    if (it == downloads_.end())
        return bad_input("stale_chunk", topic, "chunk for an image this device is not receiving");
    auto& d = *it->second;
    if (write_failed(d, fw_id)) return;
    auto written = d.accept(payload);
    if (!written) {
        const auto& e = written.error();
        if (e.code == "no_space" || e.code == "write_failure" || e.code == "io") {
            counters_.add("write_failure");
            emit_error(state_.update->campaign, fw_id, e.code == "no_space" ? "no_space" : "write_failure", e.message);
            return;
        }
        counters_.add("bad_chunk");
        log_warn("device", "bad_chunk")
            .kv("device", config_.id)
            .kv("campaign", state_.update->campaign)
            .kv("fw", fw_id)
            .kv("topic", topic)
            .kv("error", e.str());
        return;
    }
    if (!*written) {
        counters_.add("duplicate_chunk");
        return;
    }
    // Slow flash keeps this device (not its neighbours) busy: see flash_busy_until().
    if (auto delay = policy_->flash_write_delay(); delay.count() > 0) flash_busy_until_ = clock_.now() + delay;
    fanout_started_ = true;
    last_activity_ = clock_.now();
    report_progress();
    if (policy_->presses_cancel()) {
        auto r = panel_cancel("auto-cancel-" + std::to_string(state_.boot_count));
        if (r) return;
    }
    if (d.complete()) {
        log_info("device", "image_received")
            .kv("device", config_.id)
            .kv("campaign", state_.update->campaign)
            .kv("fw", fw_id)
            .kv("chunks", d.chunk_count());
        if (all_complete()) install();
    } else if (d.need_answered()) {
        ask_missing(d);  // the last repair batch is in: ask for the next one now
    }
}

void DeviceAgent::on_fanout_done(const FanoutDoneCmd& cmd) {
    if (!active_campaign(cmd.campaign)) {
        counters_.add("stale_command");
        log_info("device", "fanout_done_ignored")
            .kv("device", config_.id)
            .kv("campaign", cmd.campaign)
            .kv("fw", cmd.fw_id);
        return;
    }
    auto it = downloads_.find(cmd.fw_id);
    if (it == downloads_.end()) {
        auto topic = topics::dev_cmd(config_.gateway, config_.id);
        return bad_input("bad_input", topic ? *topic : topic.error().str(),
                         "fanout_done for unknown image " + cmd.fw_id);
    }
    fanout_started_ = true;
    auto& d = *it->second;
    if (d.awaiting_answer()) {
        // Every ready gets a fanout_done once the fan-out is over (a restart
        // and a repeated offer make two): while the chunks of the last request
        // are still on their way, asking again would have the gateway send
        // them twice. If they never come, the no-progress timeout asks again.
        counters_.add("fanout_done_while_asking");
        log_info("device", "need_pending").kv("device", config_.id).kv("campaign", cmd.campaign).kv("fw", cmd.fw_id);
    } else if (!d.complete()) {
        ask_missing(d);
    }
    last_activity_ = clock_.now();
}

void DeviceAgent::ask_missing(ImageDownload& d) {
    auto ranges = d.next_need(config_.max_need_chunks);
    if (ranges.empty()) return;
    log_info("device", "need")
        .kv("device", config_.id)
        .kv("campaign", state_.update->campaign)
        .kv("fw", d.manifest().fw_id)
        .kv("ranges", ranges.size())
        .kv("first", ranges.front().first);
    emit(NeedEvent{state_.update->campaign, d.manifest().fw_id, std::move(ranges)});
}

void DeviceAgent::tick() {
    if (!started_ || restart_requested_) return;
    control_tick();
    if (restart_requested_ || !active_update() || downloads_.empty()) return;
    if (state_.update_state == UpdateState::Writing) {
        if (installing_until_ && clock_.now() >= *installing_until_) finish_install();
        return;
    }
    // Before the fan-out has started, give the gateway longer: asking every
    // device for repairs while it is still collecting `ready`s defeats the multicast.
    auto timeout = fanout_started_ ? config_.no_progress_timeout : 2 * config_.no_progress_timeout;
    if (clock_.now() - last_activity_ < timeout) return;
    for (auto& [id, d] : downloads_)
        if (!d->complete()) ask_missing(*d);
    last_activity_ = clock_.now();
}

void DeviceAgent::report_progress() {
    std::uint64_t got = 0, total = 0;
    for (const auto& [id, d] : downloads_) got += d->received(), total += d->chunk_count();
    auto decile = static_cast<std::uint32_t>(got * 10 / total);
    if (decile <= last_decile_) return;
    last_decile_ = decile;
    emit(ProgressEvent{state_.update->campaign, "receiving", decile * 10});
}

bool DeviceAgent::all_complete() const {
    for (const auto& [id, d] : downloads_)
        if (!d->complete()) return false;
    return !downloads_.empty();
}

void DeviceAgent::install() {
    const std::string campaign = state_.update->campaign;
    emit(ProgressEvent{campaign, "verifying", 100});
    bool all_good = true;
    for (auto& [id, d] : downloads_) {
        auto st = d->verify();
        if (st) continue;
        all_good = false;
        counters_.add("image_checksum");
        emit_error(campaign, id, st.error().code == "checksum" ? "checksum" : "write_failure",
                   st.error().code == "checksum" ? "image SHA-256 mismatch" : st.error().message);
        auto rst = d->restart();
        if (!rst) return abandon_update("cannot reset slot: " + rst.error().message);
        ask_missing(*d);
    }
    if (!all_good) {
        last_activity_ = clock_.now();
        last_decile_ = 0;
        return;
    }
    if (!rebuild_deltas(campaign)) return;
    emit(ProgressEvent{campaign, "installing", 100});
    // Stored before the write: a power cut during it verifies the slots again (Resumed).
    move(UpdateEvent::Verified);
    save_state();
    if (auto time = policy_->install_time(); time.count() > 0) {
        // Writing takes a while (a flash part): cancellable until it ends (R15).
        installing_until_ = clock_.now() + time;
        log_info("device", "writing").kv("device", config_.id).kv("campaign", campaign).kv("ms", time.count());
        return;
    }
    finish_install();
}

void DeviceAgent::finish_install() {
    installing_until_.reset();
    const std::string campaign = state_.update->campaign;
    if (policy_->restart_lost()) return lose_restart(campaign);
    if (!run_install_handlers()) return;
    for (auto& [id, d] : downloads_) {
        auto st = d->finish();
        if (!st) {
            emit_error(campaign, id, "write_failure", st.error().message);
            return abandon_update("cannot finish slot: " + st.error().message);
        }
    }
    // The boot pointer flip: one atomic write switches every component at once.
    auto flipped = next_state(state_.update_state, UpdateEvent::Flipped);  // Writing -> Restarting
    if (!flipped) return abandon_update("not writing: " + std::string(to_string(state_.update_state)));
    DeviceNvState next = state_;
    next.update_state = *flipped;
    // The hash stored with the slot is the one computed when the image was
    // verified: what the power_on after the restart reports as booted.
    for (const auto& m : state_.update->firmware)
        next.components[m.component] =
            ComponentState{inactive_slot(m.component), m.version,
                           m.encoding ? rebuilt_sha256_.at(m.fw_id) : downloads_.at(m.fw_id)->verified_sha256()};
    next.pending_campaign = campaign;
    next.handler_step.clear();
    // The next power-on is a trial boot: it must pass the health check or the old slots come back.
    BootTrial trial;
    trial.campaign = campaign;
    for (const auto& m : state_.update->firmware) {
        trial.fw_ids[m.component] = m.fw_id;
        if (auto it = state_.components.find(m.component); it != state_.components.end())
            trial.previous[m.component] = it->second;
    }
    next.trial = std::move(trial);
    next.update.reset();
    next.last_update = LastUpdate{campaign, "normal_end", state_.versions(), next.versions(), clock_.now()};
    auto st = store_.save(next);
    if (!st) {
        emit_error(campaign, "", "write_failure", st.error().message);
        return abandon_update("cannot write state: " + st.error().message);
    }
    fanout_subscriptions(false);
    for (const auto& m : state_.update->firmware)
        log_info("device", "boot_pointer_flipped")
            .kv("device", config_.id)
            .kv("campaign", campaign)
            .kv("fw", m.fw_id)
            .kv("component", m.component)
            .kv("slot", to_string(next.components[m.component].active))
            .kv("version", m.version);
    state_ = std::move(next);
    // The deltas did their work: the rebuilt images are in the slots now.
    for (const auto& [id, d] : downloads_)
        if (d->manifest().encoding) {
            std::error_code ec;
            std::filesystem::remove(d->data_path(), ec);
        }
    downloads_.clear();
    rebuilt_sha256_.clear();
    if (!activate_handlers(campaign)) return;
    emit(ProgressEvent{campaign, "restarting", 100});
    restart_requested_ = true;
}

bool DeviceAgent::run_install_handlers() {
    const std::string campaign = state_.update->campaign;
    for (const auto& m : state_.update->firmware) {
        if (!policy_->has_handler(m.component)) continue;
        auto& d = *downloads_.at(m.fw_id);
        // Recorded (with every chunk on disk) before it runs: a power cut
        // during the install verifies the image again and installs it again.
        // The file is closed: no writable descriptor while the handler reads it.
        auto cp = d.release();
        state_.handler_step = "install";
        if (!cp || !save_state()) {
            emit_error(campaign, m.fw_id, "write_failure", cp ? "cannot store the install step" : cp.error().message);
            abandon_update("cannot record the install step");
            return false;
        }
        auto st = policy_->install(campaign, m, d.data_path(), d.direct(), inactive_slot(m.component), state_);
        if (!st) {
            counters_.add("handler_failure");
            emit_error(campaign, m.fw_id, st.error().code, st.error().message);
            abandon_update("install handler failed: " + st.error().message);
            return false;
        }
    }
    return true;
}

bool DeviceAgent::activate_handlers(const std::string& campaign) {
    bool any = false;
    for (const auto& [component, fw_id] : state_.trial->fw_ids) any = any || policy_->has_handler(component);
    if (!any) return true;
    state_.handler_step = "activate";
    save_state();
    std::string code, detail;
    if (policy_->activate(state_, code, detail)) {
        reboot_requested_ = policy_->needs_reboot(state_);
        state_.handler_step.clear();
        save_state();
        // The handler's slot holds the image now: the agent's staging copy goes.
        for (const auto& [component, fw_id] : state_.trial->fw_ids) {
            if (!policy_->has_handler(component)) continue;
            std::error_code ec;
            std::filesystem::remove(store_.slot_path(component, state_.components[component].active), ec);
        }
        return true;
    }
    // The new slots were never selected: the old ones boot, as after a failed trial.
    counters_.add("handler_failure");
    const std::string failed_fw = state_.trial->fw_ids.begin()->second;
    state_.handler_step = "rollback";
    save_state();
    policy_->roll_back(state_);
    for (const auto& [component, fw] : state_.trial->fw_ids) {
        auto prev = state_.trial->previous.find(component);
        if (prev != state_.trial->previous.end()) state_.components[component] = prev->second;
        else state_.components.erase(component);
    }
    std::vector<std::string> components;
    for (const auto& [component, fw] : state_.trial->fw_ids) components.push_back(component);
    move(UpdateEvent::RolledBack);
    state_.trial.reset();
    state_.pending_campaign.clear();
    state_.last_update.reset();
    state_.handler_step.clear();
    save_state();
    policy_->cleanup(campaign, components, state_);
    emit_error(campaign, failed_fw, code, detail);
    publish_state();
    return false;
}

}  // namespace fleetcast::device
