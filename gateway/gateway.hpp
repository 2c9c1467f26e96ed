#pragma once
// The gateway (intermediary apparatus): stores schedules and the per-device
// job table, caches each image once from the manager, and fans it out to the
// site's devices by model. One thread drives it: handle() for each MQTT event,
// tick() regularly; collaborators come in by constructor so tests drive time
// and the network.
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "common/clock.hpp"
#include "common/counters.hpp"
#include "common/log.hpp"
#include "common/maintenance_window.hpp"
#include "common/manifest_signing.hpp"
#include "common/messages.hpp"
#include "common/metrics_text.hpp"
#include "common/own_retained.hpp"
#include "common/transport.hpp"
#include "gateway/fanout_plans.hpp"
#include "gateway/fanout_sender.hpp"
#include "gateway/gateway_store.hpp"
#include "gateway/image_fetcher.hpp"
#include "gateway/job_table.hpp"
#include "gateway/rate_meter.hpp"
#include "gateway/site_campaigns.hpp"

namespace fleetcast::gateway {

struct GatewayConfig {
    std::string id;
    std::filesystem::path state_dir;   // gateway.db and cache/
    std::uint32_t fetch_window = 32;   // chunks requested from the manager at a time
    std::uint32_t fanout_window = 64;  // unacknowledged publishes while sending to devices
    // A fan-out waits for the devices offered an image to answer ready: it
    // starts when all did, or when none answered for ready_timeout (a large
    // site answers over many seconds), and at the latest after ready_max_wait.
    Millis ready_timeout{3000};
    Millis ready_max_wait{30000};
    // Re-request outstanding chunks after this silence (at least; see
    // ImageFetcher): long enough that a window crossing a slow link or a
    // short outage is not asked for twice. Losses are rare with QoS 1.
    Millis fetch_retry{30000};
    Millis state_interval{1000};  // at most one process_state per interval
    std::size_t max_need_chunks = 1024;
    RateMeterConfig rates;  // link rate measurement and probes (R9)
    // The manager's public key (R21): manifests that do not verify are never
    // fetched nor offered; their jobs fail with the reason.
    std::shared_ptr<const TrustKeySet> trust_keys;
    // R13/R14: how much later a busy/blocked device, an unanswered
    // communication request or a defer without --by moves the update time
    // (schedule time: with --time-scale, 20m is 20 scaled minutes).
    Millis defer_period{20 * 60 * 1000};
    Millis answer_timeout{10000};   // R11: no answer to the communication request -> "no response"
    Millis digest_interval{60000};  // R27: a digest report at least this often (clock time)
};

class Gateway {
   public:
    Gateway(GatewayConfig config, Transport& transport, Clock& clock, GatewayStore& store);

    // Loads stored state, subscribes, publishes the retained online state.
    Status start();
    void handle(const MqttEvent& event);
    void tick();
    // Clean stop: download bitmaps written (the caller publishes offline state).
    void stop();

    ProcessState process_state(bool online) const;
    // R27 (gateway_reconcile.cpp): reports what this gateway holds per
    // campaign (job count, open jobs, job_digest) as a `digest` report, so the
    // manager re-publishes a schedule we lack and asks (resync) for the jobs
    // it sees differently. Sent on every (re)connect, when the manager comes
    // online, every digest_interval, and by whoever just refused a change the
    // manager asked for (e.g. a schedule clear while jobs are still open).
    void send_digest();
    const Counters& counters() const { return counters_; }
    // gateway_metrics.cpp: its jobs, campaigns, rates and counters for the
    // --metrics-listen endpoint (loop thread; README "Metrics").
    std::vector<MetricFamily> metric_families();

   private:
    // gateway.cpp: routing, bad input, process state
    void on_message(const MqttEvent& event);
    void bad_input(std::string_view what, const std::string& topic, const Error& error);
    // The fields every line about a job starts with: gateway, campaign, device.
    LogLine& job_line(LogLine&& line, const JobRow& job) const {
        return line.kv("gateway", config_.id).kv("campaign", job.campaign).kv("device", job.device);
    }
    // Publishes to a device topic built from job or device ids, some read back
    // from the store: a topic they cannot make is counted as bad_topic and its
    // error returned, for the caller's failure line (which names the device).
    Status publish_counted(const Expected<std::string>& topic, std::string payload);
    void publish_state(TimePoint now);
    void on_manager_state(const std::string& topic, const std::string& payload);
    void reoffer_transfers();  // after the broker lost our session
    // gateway_schedules.cpp: schedules stored, cleared and run when due
    void on_schedule(const std::string& topic, const std::string& campaign, const std::string& payload);
    void forget_schedule(const std::string& campaign);
    void run_schedules(TimePoint now);
    void run_schedule(const Schedule& schedule, TimePoint now);
    // Jobs whose images have a manifest that does not verify (R21) fail with the reason.
    void fail_jobs_with_bad_manifests(const Schedule& s, const std::map<std::string, std::string>& bad);
    const FirmwareManifest* manifest(const std::string& fw_id) const { return campaigns_.manifest(fw_id); }
    // gateway_manager_chunks.cpp: the image cache filled from the manager
    void on_manager_chunk(const std::string& topic, const std::string& fw_id, const std::string& payload);
    bool all_cached(const JobRow& job) const;
    // gateway_offers.cpp: the communication request to a device
    bool device_offline(const std::string& device) const;
    void offer(JobRow& job, TimePoint now);
    // gateway_fanouts.cpp: fan-out by model, its marks, fanout_done
    void run_fanouts(TimePoint now);
    void save_fanout_marks();
    void send_fanout_done(const std::string& campaign, const std::string& device, const std::string& fw_id);
    // gateway_devices.cpp: device state and events
    void on_device_state(const std::string& topic, const std::string& device, const std::string& payload);
    void on_device_event(const std::string& topic, const std::string& device, const std::string& payload);
    void on_ready(const std::string& topic, JobRow& job, const ReadyEvent& e);
    void on_need(const std::string& topic, JobRow& job, const NeedEvent& e);
    void on_progress(JobRow& job, const ProgressEvent& e);
    // Installing/restarting progress: this attempt's install began (what a power_on must follow).
    void note_install(JobRow& job, JobEvent event);
    // What a power_on proves (topics.md flow step 7): BootedExpected,
    // BootedOther (detail: the boot_failed reason) or BootUnproven (detail: why).
    JobEvent judge_power_on(const JobRow& job, const PowerOnEvent& e, std::string& detail) const;
    void on_power_on(JobRow& job, const PowerOnEvent& e);
    void on_error(JobRow& job, const ErrorEvent& e);
    // Issue 17: the device's active slot is not the delta's source: the job
    // gets the delta's target image instead (fetched if need be), without
    // counting an attempt. false: not a delta of this job (a plain error).
    bool fall_back_to_image(JobRow& job, const ErrorEvent& e);
    // gateway_retries.cpp: retries, power-on timeout, expiry (R16-R18)
    // The attempt failed (final_event if no retry is left); firmware: the versions a power_on reported.
    void attempt_failed(JobRow& job, JobEvent final_event, const std::string& detail, TimePoint now,
                        const Versions* firmware = nullptr);
    void check_power_on(TimePoint now);
    bool check_expiry(const Schedule& schedule, TimePoint now);  // true once expires_at passed
    void expire(JobRow& job, const std::string& detail, TimePoint now);
    // gateway_control.cpp: handshake answers, busy/service-call checks, defer and cancel (R11-R15)
    bool may_start(JobRow& job, TimePoint now);
    void postpone(JobRow& job, TimePoint now, Millis by, const std::string& reason);
    void check_answers(TimePoint now);
    void on_deferred(JobRow& job, const DeferredEvent& e);
    void on_defer_request(JobRow& job, const std::string& request_id, std::optional<Millis> by,
                          const std::string& source);
    void on_cancel_request(JobRow& job, const std::string& request_id, const std::string& source);
    void on_canceled(JobRow& job, const CanceledEvent& e);
    void on_gateway_command(const std::string& topic, const std::string& payload);
    void send_cancel(const JobRow& job, const std::string& request_id, const std::string& by);
    // gateway_reconcile.cpp: digest, resync answers, unknown-job reports (R27)
    void check_digest(TimePoint now);
    void on_resync(const GwResyncCmd& c);
    void report_unknown_job(const std::string& campaign, const std::string& device, const DeviceEvent& event);
    // gateway_suspend.cpp: the operator's hold and release of one update (R19)
    void on_suspend_request(JobRow& job, const std::string& request_id, bool suspend);
    bool remember_request(JobRow& job, const std::string& request_id);
    // gateway_campaigns.cpp: a campaign's pause, resume and cancel (issue 16),
    // stored, run on every job of the campaign as table events, acknowledged.
    void on_campaign_command(const GwCampaignCmd& c);
    void apply_campaign_hold(JobRow& job, const GatewayStore::CampaignHold& hold, TimePoint now);

    // gateway_window.cpp: the maintenance window (issue 16 item 5). Outside
    // it no job is offered (first offer or retry) and nothing is fetched.
    void on_window(const std::string& topic, const std::string& payload);
    void check_window(TimePoint now);  // logs the window opening and closing, holds fetches
    Status load_window();

    GatewayConfig config_;
    Transport& transport_;
    Clock& clock_;
    GatewayStore& store_;
    Counters counters_;
    bool manager_online_ = false;
    FanoutSender sender_;
    FanoutPlans plans_;
    JobTable jobs_;  // lets go of the device's part in plans_ and sender_ when a job leaves a state
    ImageFetcher fetcher_;
    RateMeter rates_;
    SiteCampaigns campaigns_;                     // schedules, their verified manifests, campaign holds
    std::map<std::string, DeviceState> devices_;  // by device id
    TimePoint last_answer_at_{};                  // the site's latest ready/deferred (check_answers)
    GatewayStore::FanoutMarks fanout_marks_;      // stored: fan-out chunks below the mark were accepted
    bool dirty_ = true;
    TimePoint last_scan_{};
    TimePoint last_state_at_{};
    std::map<std::string, std::uint64_t> published_counters_;
    OwnRetained own_state_;  // our retained process state on the broker
    TimePoint last_digest_at_{};
    std::set<std::string> unknown_reported_;  // campaigns reported unknown since the last digest
    std::optional<WindowMsg> window_msg_;     // as the manager sent it (stored in gateway.db)
    std::optional<MaintenanceWindow> window_;
    bool window_open_ = true;  // no window: always open
};

}  // namespace fleetcast::gateway
