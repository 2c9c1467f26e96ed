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
#include "common/manifest_signing.hpp"
#include "common/messages.hpp"
#include "common/transport.hpp"
#include "gateway/fanout_plans.hpp"
#include "gateway/fanout_sender.hpp"
#include "gateway/gateway_store.hpp"
#include "gateway/image_fetcher.hpp"
#include "gateway/job_table.hpp"
#include "gateway/rate_meter.hpp"

namespace fleetcast::gateway {

struct GatewayConfig {
    std::string id;
    std::filesystem::path state_dir;  // gateway.db and cache/
    std::uint32_t fetch_window = 32;   // chunks requested from the manager at a time
    std::uint32_t fanout_window = 64;  // unacknowledged publishes while sending to devices
    Millis ready_timeout{3000};        // wait for ready answers before fanning out anyway
    // Re-request outstanding chunks after this silence (at least; see
    // ImageFetcher): long enough that a window crossing a slow link or a
    // short outage is not asked for twice. Losses are rare with QoS 1.
    Millis fetch_retry{30000};
    Millis state_interval{1000};       // at most one process_state per interval
    std::size_t max_need_chunks = 1024;
    RateMeterConfig rates;             // link rate measurement and probes (R9)
    // The manager's public key (R21): manifests that do not verify are never
    // fetched nor offered; their jobs fail with the reason.
    std::shared_ptr<const TrustKeySet> trust_keys;
    // R13/R14: how much later a busy/blocked device, an unanswered
    // communication request or a defer without --by moves the update time
    // (schedule time: with --time-scale, 20m is 20 scaled minutes).
    Millis defer_period{20 * 60 * 1000};
    Millis answer_timeout{10000};  // R11: no answer to the communication request -> "no response"
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
    const Counters& counters() const { return counters_; }

private:
    // gateway.cpp: routing, bad input, process state
    void on_message(const MqttEvent& event);
    void bad_input(std::string_view what, const std::string& topic, const Error& error);
    void publish_state(TimePoint now);
    void on_manager_state(const std::string& topic, const std::string& payload);
    // gateway_schedules.cpp: schedules, images, offers, fan-out
    void on_schedule(const std::string& topic, const std::string& campaign, const std::string& payload);
    void forget_schedule(const std::string& campaign);
    void on_manager_chunk(const std::string& topic, const std::string& fw_id, const std::string& payload);
    void run_schedules(TimePoint now);
    void run_schedule(const Schedule& schedule, TimePoint now);
    bool all_cached(const JobRow& job) const;
    bool device_offline(const std::string& device) const;
    void offer(JobRow& job, TimePoint now);
    void run_fanouts(TimePoint now);
    void send_fanout_done(const std::string& campaign, const std::string& device, const std::string& fw_id);
    const FirmwareManifest* manifest(const std::string& fw_id) const;
    // Verifies with the trusted key; the error says why a manifest is refused.
    Status check_manifest(const FirmwareManifest& m) const;
    // manifests_ from the stored schedules, verified ones only.
    void rebuild_manifests();
    void fail_jobs_with_bad_manifests(const Schedule& s, const std::map<std::string, std::string>& bad);
    // gateway_devices.cpp: device state and events
    void on_device_state(const std::string& topic, const std::string& device, const std::string& payload);
    void on_device_event(const std::string& topic, const std::string& device, const std::string& payload);
    void on_ready(const std::string& topic, JobRow& job, const ReadyEvent& e);
    void on_need(const std::string& topic, JobRow& job, const NeedEvent& e);
    void on_progress(JobRow& job, const ProgressEvent& e);
    void on_power_on(JobRow& job, const PowerOnEvent& e);
    void on_error(JobRow& job, const ErrorEvent& e);
    // gateway_retries.cpp: retries, power-on timeout, expiry (R16-R18)
    RetryPolicy retry_policy(const std::string& campaign) const;
    void attempt_failed(JobRow& job, JobEvent final_event, const std::string& detail, TimePoint now);
    void check_power_on(TimePoint now);
    bool check_expiry(const Schedule& schedule, TimePoint now);  // true once expires_at passed
    void expire(JobRow& job, const std::string& detail, TimePoint now);
    // gateway_control.cpp: handshake answers, busy/service-call checks, defer and cancel (R11-R15)
    bool may_start(JobRow& job, TimePoint now);
    void postpone(JobRow& job, TimePoint now, Millis by, const std::string& reason);
    void check_answers(TimePoint now);
    void on_deferred(JobRow& job, const DeferredEvent& e);
    void on_defer_request(JobRow& job, const std::string& request_id, std::optional<Millis> by, const std::string& source);
    void on_cancel_request(JobRow& job, const std::string& request_id, const std::string& source);
    void on_canceled(JobRow& job, const CanceledEvent& e);
    void on_gateway_command(const std::string& topic, const std::string& payload);
    void send_cancel(const JobRow& job, const std::string& request_id, const std::string& by);
    // gateway_suspend.cpp: the operator's hold and release of one update (R19)
    void on_suspend_request(JobRow& job, const std::string& request_id, bool suspend);
    bool remember_request(JobRow& job, const std::string& request_id);

    GatewayConfig config_;
    Transport& transport_;
    Clock& clock_;
    GatewayStore& store_;
    Counters counters_;
    bool manager_online_ = false;
    JobTable jobs_;
    ImageFetcher fetcher_;
    FanoutSender sender_;
    FanoutPlans plans_;
    RateMeter rates_;
    std::map<std::string, Schedule> schedules_;            // by campaign
    std::map<std::string, FirmwareManifest> manifests_;    // by fw_id, from the schedules
    std::map<std::string, DeviceState> devices_;           // by device id
    std::set<JobKey> offer_pending_;                       // re-offer after a reconnect or restart
    std::map<JobKey, TimePoint> restart_since_;            // installing/restarting since (power-on timeout)
    std::map<JobKey, TimePoint> answer_due_;               // Requesting jobs: answer expected by then
    bool dirty_ = true;
    TimePoint last_scan_{};
    TimePoint last_state_at_{};
    std::map<std::string, std::uint64_t> published_counters_;
};

}  // namespace fleetcast::gateway
