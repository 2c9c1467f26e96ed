#include "manager/campaign_control.hpp"

#include <map>

#include "common/log.hpp"
#include "common/topics.hpp"

namespace fleetcast::manager {

std::string campaign_status(const CampaignRecord& c, TimePoint now) {
    if (c.state == kCampaignActive) return std::string(c.update_at > now ? kCampaignScheduled : kCampaignRunning);
    if (c.state == kCampaignPreparing) return std::string(kCampaignPreparingState);
    if (c.state == kCampaignPaused || c.state == kCampaignPreparingPaused) return std::string(kCampaignPausedState);
    if (c.state == kCampaignCanceled) return std::string(kCampaignCanceledState);
    return std::string(kCampaignEndedState);
}

bool schedules_sent(std::string_view state) { return state != kCampaignPreparing && state != kCampaignPreparingPaused; }

namespace {
// The campaign state machine, one row per (state, event) that applies: the
// state it moves to; an empty `to`: already so (the answer is its view).
// Every pair not listed is refused (refusal() says why).
struct Transition {
    std::string_view from;
    CampaignEvent event;
    std::string_view to;
};
constexpr Transition kTransitions[] = {
    {kCampaignActive, CampaignEvent::Pause, kCampaignPaused},
    {kCampaignPaused, CampaignEvent::Pause, {}},
    {kCampaignPreparing, CampaignEvent::Pause, kCampaignPreparingPaused},
    {kCampaignPreparingPaused, CampaignEvent::Pause, {}},
    {kCampaignPaused, CampaignEvent::Resume, kCampaignActive},
    {kCampaignPreparingPaused, CampaignEvent::Resume, kCampaignPreparing},  // prepares again (often: done at once)
    {kCampaignActive, CampaignEvent::Cancel, kCampaignCanceled},
    {kCampaignPaused, CampaignEvent::Cancel, kCampaignCanceled},
    {kCampaignPreparing, CampaignEvent::Cancel, kCampaignCanceled},
    {kCampaignPreparingPaused, CampaignEvent::Cancel, kCampaignCanceled},
    {kCampaignCanceled, CampaignEvent::Cancel, {}},
    {kCampaignPreparing, CampaignEvent::Prepared, kCampaignActive},  // its schedules go out
};

Error refusal(const CampaignRecord& c, CampaignEvent event, TimePoint now) {
    const std::string what = "campaign " + c.id + " is " + campaign_status(c, now);
    switch (event) {
        case CampaignEvent::Pause:
            return make_error("not_running", what + ": only a preparing, scheduled or running campaign can be paused");
        case CampaignEvent::Resume: return make_error("not_paused", what + ": only a paused one can be resumed");
        case CampaignEvent::Cancel:
            return make_error("too_late", what + ": every target ended, there is nothing left to cancel");
        case CampaignEvent::Prepared: return make_error("not_preparing", what + ": it is not preparing");
    }
    return make_error("bad_args", "unknown campaign event");
}

CampaignEvent event_of(CampaignAction action) {
    switch (action) {
        case CampaignAction::Pause: return CampaignEvent::Pause;
        case CampaignAction::Resume: return CampaignEvent::Resume;
        case CampaignAction::Cancel: return CampaignEvent::Cancel;
    }
    return CampaignEvent::Cancel;
}
}  // namespace

Expected<std::optional<std::string_view>> campaign_transition(const CampaignRecord& c, CampaignEvent event,
                                                              TimePoint now) {
    for (const auto& t : kTransitions)
        if (t.from == c.state && t.event == event)
            return t.to.empty() ? std::optional<std::string_view>{} : std::optional<std::string_view>{t.to};
    return refusal(c, event, now);
}

namespace {
std::string default_reason(CampaignAction action, const std::string& given) {
    if (!given.empty()) return given;
    return action == CampaignAction::Pause    ? "paused by operator"
           : action == CampaignAction::Cancel ? "canceled by operator"
                                              : "resumed by operator";
}
}  // namespace

Status CampaignControl::send(const std::string& gateway, const CampaignCommandRecord& c) {
    auto st = transport_.publish(topics::gw_cmd(gateway),
                                 encode(GwCampaignCmd{c.campaign, c.action, c.request_id, c.reason}));
    log_info("manager", st ? "campaign_command_sent" : "campaign_command_send_failed")
        .kv("campaign", c.campaign)
        .kv("gateway", gateway)
        .kv("action", to_string(c.action))
        .kv("request", c.request_id)
        .kv("error", st ? std::string("-") : st.error().str());
    return st;
}

Expected<Json> CampaignControl::command(const std::string& req_id, CampaignAction action,
                                        const CampaignControlArgs& args) {
    auto found = store_.find_campaign(args.campaign);
    if (!found) return found.error();
    if (!*found) return make_error("not_found", "unknown campaign " + args.campaign);
    const auto now = clock_.now();
    auto to = campaign_transition(**found, event_of(action), now);
    if (!to) return to.error();
    if (*to) {
        // A campaign still preparing (issue 17 follow-up) is on no gateway yet: nothing to send or clear.
        const bool sent = schedules_sent((*found)->state);
        auto gateways = sent ? store_.campaign_gateways(args.campaign)
                             : Expected<std::vector<std::string>>(std::vector<std::string>{});
        if (!gateways) return gateways.error();
        if (action == CampaignAction::Resume && (*found)->failure_threshold) {
            // Issue 16 item 3: the failures counted so far do not stop the campaign again. Stored before
            // the resume: a manager killed in between still has a paused campaign, resumed again later.
            auto by_state = store_.target_state_counts(args.campaign);
            if (!by_state) return by_state.error();
            auto st =
                store_.set_counted_at_resume(args.campaign, failure_counts(*(*found)->failure_threshold, *by_state));
            if (!st) return st.error();
        }
        const CampaignCommandRecord cmd{args.campaign, action, req_id, default_reason(action, args.reason), now};
        // Stored before anything is sent: a manager killed after this line sends it on the gateways' return.
        auto st = store_.save_campaign_command(cmd, **to, *gateways);
        if (!st) return st.error();
        log_info("manager", "campaign_command")
            .kv("campaign", cmd.campaign)
            .kv("action", to_string(action))
            .kv("request", req_id)
            .kv("state", **to)
            .kv("gateways", gateways->size())
            .kv("reason", cmd.reason);
        for (const auto& gw : *gateways) (void)send(gw, cmd);  // a failed send is sent again on the gateway's return
        if (action == CampaignAction::Cancel) {
            for (const auto& gw : *gateways) {
                // The retained schedules go: nothing restores them (the campaign is not active any more).
                st = schedules_.clear(args.campaign, gw, "canceled");
                if (!st) return st.error();
            }
            if (!sent) {
                // No gateway knows its targets: they end here.
                auto n = store_.end_waiting_targets(args.campaign, JobState::Canceled, kCanceledWhilePreparing, now);
                if (!n) return n.error();
                log_info("manager", "preparing_targets_canceled").kv("campaign", args.campaign).kv("targets", *n);
            } else if ((*found)->waves) {
                // Issue 16 item 2: no gateway knows the targets of waves not opened: they end here.
                auto n = store_.end_unreleased(args.campaign, JobState::Canceled, kCanceledBeforeItsWave, now);
                if (!n) return n.error();
                if (*n > 0)
                    log_info("manager", "wave_targets_canceled").kv("campaign", args.campaign).kv("targets", *n);
            }
        }
        found = store_.find_campaign(args.campaign);
        if (!found) return found.error();
        if (!*found) return make_error("internal", "campaign " + args.campaign + " vanished");
    }
    auto v = view(**found);
    if (!v) return v.error();
    auto data = Json::object();
    to_json(data.get(), *v);
    return data;
}

Expected<CampaignControlView> CampaignControl::view(const CampaignRecord& c) {
    CampaignControlView v;
    v.campaign = c.id;
    v.state = campaign_status(c, clock_.now());
    auto cmd = store_.campaign_command(c.id);
    if (!cmd) return cmd.error();
    if (!*cmd) return v;
    v.action = (*cmd)->action;
    v.request_id = (*cmd)->request_id;
    v.at = (*cmd)->at;
    if (c.state == kCampaignPaused || c.state == kCampaignPreparingPaused || c.state == kCampaignCanceled)
        v.reason = (*cmd)->reason;
    auto rows = store_.command_gateways(c.id);
    if (!rows) return rows.error();
    auto known = store_.list_gateways();
    if (!known) return known.error();
    std::map<std::string, bool> online;
    for (const auto& g : *known) online[g.id] = g.status == "online";
    for (const auto& r : *rows) v.gateways.push_back({r.gateway, online[r.gateway], r.confirmed_at.has_value()});
    return v;
}

Status CampaignControl::on_ack(const std::string& gateway, const CampaignAckReport& r) {
    auto confirmed = store_.confirm_campaign_command(r.campaign, gateway, r.request_id, clock_.now());
    if (!confirmed) return confirmed.error();
    log_info("manager", *confirmed ? "campaign_command_confirmed" : "campaign_ack_stale")
        .kv("campaign", r.campaign)
        .kv("gateway", gateway)
        .kv("action", to_string(r.action))
        .kv("request", r.request_id)
        .kv("jobs", r.jobs);
    return ok_status();
}

Status CampaignControl::resend_unconfirmed(const std::string& gateway) {
    auto pending = store_.unconfirmed_commands_on(gateway);
    if (!pending) return pending.error();
    for (const auto& c : *pending) {
        auto st = send(gateway, c);
        if (!st) return st;
    }
    return ok_status();
}

}  // namespace fleetcast::manager
