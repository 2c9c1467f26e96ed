#include "manager/wave_guard.hpp"

#include "common/log.hpp"
#include "manager/wave_evaluation.hpp"

namespace fleetcast::manager {

Status WaveGuard::check(const std::string& campaign) {
    auto c = store_.find_campaign(campaign);
    if (!c) return c.error();
    if (!*c) return ok_status();
    return check(**c);
}

Status WaveGuard::check_all() {
    auto active = store_.campaigns_in_state(kCampaignActive);
    if (!active) return active.error();
    for (const auto& c : *active) {
        auto st = check(c);
        if (!st) return st;
    }
    return ok_status();
}

Status WaveGuard::end_canceled_waves() {
    auto canceled = store_.campaigns_in_state(kCampaignCanceled);
    if (!canceled) return canceled.error();
    for (const auto& c : *canceled) {
        if (!c.waves) continue;
        auto n = store_.end_unreleased(c.id, JobState::Canceled, kCanceledBeforeItsWave, clock_.now());
        if (!n) return n.error();
        if (*n > 0) log_info("manager", "wave_targets_canceled").kv("campaign", c.id).kv("targets", *n);
    }
    return ok_status();
}

Status WaveGuard::expire_unopened(const CampaignRecord& c) {
    // No gateway knows these targets, so none expires them: the manager does, and settles each gateway
    // (its schedule is cleared once none of its targets is open; the campaign ends with its last target).
    auto n = store_.end_unreleased(c.id, JobState::Expired,
                                   "EXPIRED: its wave had not opened by " + format_time(*c.expires_at), clock_.now());
    if (!n) return n.error();
    if (*n == 0) return ok_status();
    log_info("manager", "wave_targets_expired")
        .kv("campaign", c.id)
        .kv("wave", wave_text(c.waves->open, c.waves->total()))
        .kv("targets", *n);
    auto gateways = store_.campaign_gateways(c.id);
    if (!gateways) return gateways.error();
    for (const auto& gw : *gateways) {
        auto st = schedules_.settle(c.id, gw);
        if (!st) return st;
    }
    return ok_status();
}

Status WaveGuard::check(const CampaignRecord& c) {
    if (c.state != kCampaignActive || !c.waves || c.waves->open >= c.waves->total()) return ok_status();
    if (c.expires_at && clock_.now() >= *c.expires_at) return expire_unopened(c);
    const auto& w = *c.waves;
    auto tally = store_.wave_tally(c.id, w.open);
    if (!tally) return tally.error();
    const WaveCounts counts{tally->targets, tally->completed, tally->ended};
    const auto now = clock_.now();
    const auto d = decide_wave(w.plan, w.open, w.total(), counts, w.success_met_at, now);
    auto line = [&](LogLine&& l) -> LogLine& {
        return l.kv("campaign", c.id)
            .kv("wave", wave_text(w.open, w.total()))
            .kv("completed", counts.completed)
            .kv("ended", counts.ended)
            .kv("targets", counts.targets);
    };
    switch (d.step) {
        case WaveStep::Wait: return ok_status();
        case WaveStep::SoakStart: {
            // Stored: a manager killed during the soak neither skips it nor starts it again.
            auto st = store_.set_wave_success_met(c.id, now);
            if (!st) return st;
            line(log_info("manager", "wave_succeeded"))
                .kv("soak_ms", w.plan.soak.count())
                .kv("soak_ends", format_time(*d.soak_ends));
            return ok_status();
        }
        case WaveStep::Open:
            if (!w.success_met_at) line(log_info("manager", "wave_succeeded")).kv("soak_ms", 0);
            return open_next(c);
    }
    return ok_status();
}

Status WaveGuard::open_next(const CampaignRecord& c) {
    const std::uint32_t next = c.waves->open + 1;
    // Stored before any schedule goes out: a restart publishes the schedules of the open waves.
    auto st = store_.open_wave(c.id, next);
    if (!st) return st;
    auto gateways = store_.wave_gateways(c.id, next);
    if (!gateways) return gateways.error();
    auto tally = store_.wave_tally(c.id, next);
    if (!tally) return tally.error();
    log_info("manager", "wave_opened")
        .kv("campaign", c.id)
        .kv("wave", wave_text(next, c.waves->total()))
        .kv("targets", tally->targets)
        .kv("gateways", gateways->size());
    for (const auto& gw : *gateways) {
        // The gateway adopts the wave's devices from its schedule published again (flow step 2).
        st = schedules_.republish(c.id, gw);
        if (!st) return st;
    }
    return ok_status();
}

Expected<WaveView> wave_view(ManagerStore& store, const CampaignRecord& c, bool tallies) {
    if (!c.waves) return make_error("internal", "campaign " + c.id + " has no waves");
    const auto& w = *c.waves;
    WaveView v;
    v.open = w.open;
    v.total = w.total();
    v.plan = w.plan;
    v.counts = w.counts;
    v.success_met_at = w.success_met_at;
    if (w.success_met_at && w.open < w.total()) v.soak_ends_at = *w.success_met_at + w.plan.soak;
    if (!tallies) return v;
    auto all = store.wave_tallies(c.id);
    if (!all) return all.error();
    for (std::uint32_t i = 1; i <= w.total(); ++i) {
        const auto t = (*all)[i];
        v.tallies.push_back({i, t.targets, t.completed, t.ended});
    }
    return v;
}

}  // namespace fleetcast::manager
