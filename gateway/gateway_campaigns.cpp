// The manager's campaign-level control (issue 16): pause, resume or cancel
// every job of one campaign on this gateway. The command is stored before it
// is acted on (a restart keeps the hold), run on each job as an event of the
// job table (CampaignPaused, CampaignResumed, CampaignCanceled: the table
// decides what each state allows and its exit actions withdraw the devices
// from the fan-outs), then acknowledged with a campaign_ack report naming
// the request id; a redelivered command is only acknowledged again.
#include "common/log.hpp"
#include "common/topics.hpp"
#include "gateway/gateway.hpp"

namespace fleetcast::gateway {

void Gateway::apply_campaign_hold(JobRow& job, const GatewayStore::CampaignHold& hold, TimePoint now) {
    const std::string by = " by operator at " + format_time(now) + (hold.reason.empty() ? "" : ": " + hold.reason);
    switch (hold.action) {
        case CampaignAction::Pause: {
            // A device receiving (or asked to) stops and keeps what it has, as with a suspend (R19).
            const bool tell = job.state == JobState::Requesting || job.state == JobState::Transferring;
            if (!jobs_.apply(job, JobEvent::CampaignPaused, now, "campaign paused" + by) || !tell) return;
            auto st = publish_counted(topics::dev_cmd(config_.id, job.device),
                                      encode(SuspendCmd{job.campaign, hold.request_id}));
            if (!st) job_line(log_warn("gateway", "suspend_send_failed"), job).kv("error", st.error().str());
            return;
        }
        case CampaignAction::Resume: jobs_.apply(job, JobEvent::CampaignResumed, now, "campaign resumed" + by); return;
        case CampaignAction::Cancel: {
            if (is_terminal(job.state) || !job.cancel_pending.empty()) return;
            // Before the transfer the gateway cancels on its own; after it the
            // device decides (only it knows whether its boot pointer flipped).
            const bool asks = job.state == JobState::Transferring || job.state == JobState::Installing;
            const bool tell = asks || job.state == JobState::Requesting;
            std::string detail = asks ? "cancel requested: campaign canceled" + by
                                      : "canceled with the campaign" + by + " before transfer";
            if (!jobs_.apply(job, JobEvent::CampaignCanceled, now,
                             JobChange{.detail = detail, .cancel_by = "operator"}))
                return;
            if (tell) send_cancel(job, hold.request_id, "operator");
            return;
        }
    }
}

void Gateway::on_campaign_command(const GwCampaignCmd& c) {
    const auto now = clock_.now();
    auto& rows = jobs_.rows();
    auto first = rows.lower_bound({c.campaign, ""});
    auto in_campaign = [&](auto it) { return it != rows.end() && it->first.first == c.campaign; };
    std::uint64_t jobs = 0;
    for (auto it = first; in_campaign(it); ++it) ++jobs;
    auto line = [&](LogLine&& l) -> LogLine& {
        return l.kv("gateway", config_.id)
            .kv("campaign", c.campaign)
            .kv("action", to_string(c.action))
            .kv("request", c.request_id)
            .kv("jobs", jobs);
    };
    auto acknowledge = [&] {
        auto st = transport_.publish(topics::gw_report(config_.id),
                                     encode(CampaignAckReport{c.campaign, c.action, c.request_id, jobs}));
        if (!st) line(log_warn("gateway", "campaign_ack_failed")).kv("error", st.error().str());
    };
    const CampaignHold* held = campaigns_.hold(c.campaign);
    if (held && held->request_id == c.request_id) {
        counters_.add("duplicate_request");
        line(log_info("gateway", "campaign_command_duplicate"));
        return acknowledge();
    }
    if (held && held->action == CampaignAction::Cancel) {
        // A canceled campaign stays canceled: what the manager asks after it changes nothing.
        counters_.add("campaign_command_refused");
        line(log_warn("gateway", "campaign_command_refused")).kv("why", "canceled");
        return acknowledge();
    }
    const GatewayStore::CampaignHold hold{c.action, c.request_id, c.reason, now};
    if (auto st = store_.save_campaign_hold(c.campaign, hold); !st) {
        // Not acknowledged: the manager sends it again (reconnect, digest).
        line(log_error("gateway", "campaign_hold_store_failed")).kv("error", st.error().str());
        return;
    }
    campaigns_.set_hold(c.campaign, hold);
    std::size_t changed = 0;
    for (auto it = first; in_campaign(it); ++it) {
        JobRow& job = it->second;
        const JobRow before = job;
        apply_campaign_hold(job, hold, now);
        if (job.state != before.state || job.paused != before.paused || job.cancel_pending != before.cancel_pending)
            ++changed;
    }
    if (c.action == CampaignAction::Pause) {
        // No new fetch: downloads only this campaign wants stop asking.
        for (const auto& fw : campaigns_.images_only_for(c.campaign)) fetcher_.hold(fw);
    } else if (c.action == CampaignAction::Cancel) {
        // Cached images no other campaign here needs are dropped.
        for (const auto& fw : campaigns_.images_only_for(c.campaign)) fetcher_.drop(fw);
    } else {
        dirty_ = true;  // offered again at the next scan: devices ask only for what they lack
    }
    line(log_info("gateway", "campaign_command_applied")).kv("changed", changed);
    acknowledge();
}

}  // namespace fleetcast::gateway
