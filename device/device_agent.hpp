#pragma once
// One device: its non-volatile state, the update it is receiving, and its side
// of the protocol (topics.md). Driven from outside: start() at power-on,
// handle() for every MQTT event of its session, tick() a few times a second.
// When an update has been installed restart_requested() turns true; the owner
// then restarts the device (re-exec, or a fresh DeviceAgent on the same dir).
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "common/counters.hpp"
#include "common/manifest_signing.hpp"
#include "common/messages.hpp"
#include "common/own_retained.hpp"
#include "common/topics.hpp"
#include "common/transport.hpp"
#include "device/boot_health.hpp"
#include "device/device_policy.hpp"
#include "device/device_state.hpp"
#include "device/device_state_store.hpp"
#include "device/image_download.hpp"
#include "device/panel_inbox.hpp"
#include "device/real_device.hpp"

namespace fleetcast::device {

struct DeviceConfig {
    std::string id;
    std::string model;
    std::string gateway;
    std::filesystem::path state_dir;
    Versions initial_firmware{{"main", "1.0"}};  // only for a new state dir
    Millis no_progress_timeout{3000};
    std::uint32_t max_need_chunks = 256;
    // The manager's public key (R21). Without one every manifest is refused.
    std::shared_ptr<const TrustKeySet> trust_keys;
    BootHealthConfig boot_health;     // simulated first-boot health check (R22)
    std::optional<Millis> deferment;  // set locally at start (R12); otherwise the stored value
    std::chrono::milliseconds panel_poll{200};
    SimulatorOptions simulator;  // all off: a real device (make_device_policy)
    RealDeviceOptions real;      // update handlers and health check: a RealDevice policy
};

class DeviceAgent {
   public:
    // `transport`: the control connection (commands, events, state). `data`:
    // the connection that receives chunks and fanout_done (default: the same
    // one). Two connections let a command overtake chunks the broker still
    // holds for the device: MQTT keeps one ordered stream per connection.
    // `policy`: how this device differs from a real one (default: from config.simulator).
    DeviceAgent(DeviceConfig config, Transport& transport, Clock& clock, Counters& counters, Transport* data = nullptr,
                std::unique_ptr<DevicePolicy> policy = nullptr);
    ~DeviceAgent();
    DeviceAgent(const DeviceAgent&) = delete;
    DeviceAgent& operator=(const DeviceAgent&) = delete;

    // Power-on: load state, count the boot, announce, resume an interrupted update.
    Status start();
    void handle(const MqttEvent& event);
    // An event of the data connection (chunks, fanout_done).
    void handle_data(const MqttEvent& event);
    // Re-asks for missing chunks when nothing arrived for the no-progress timeout.
    void tick();

    bool restart_requested() const { return restart_requested_; }
    // ... and it takes a reboot of the machine (a handler's slot, --reboot-command), not only of the agent.
    bool reboot_requested() const { return reboot_requested_; }
    bool updating() const { return update_state() == UpdateState::Receiving || update_state() == UpdateState::Writing; }
    UpdateState update_state() const { return state_.update_state; }
    // Slow flash: until then the device is still writing its last chunk, and
    // its owner holds back its further data events (DeviceHost).
    std::optional<TimePoint> flash_busy_until() const { return flash_busy_until_; }

    // device_agent_control.cpp: the panel's actions (R14, R15, R20) and local settings.
    // Each returns what the panel shows, or why it refused.
    Expected<std::string> panel_defer(const std::string& request_id, std::optional<Millis> by);
    Expected<std::string> panel_cancel(const std::string& request_id);
    Expected<std::string> set_deferment(Millis value);
    Expected<std::string> set_condition(const Condition& condition);
    const DeviceNvState& state() const { return state_; }
    const DeviceConfig& config() const { return config_; }
    std::string offline_payload() const;

   private:
    // update_machine.hpp: the one way the update state changes. False (and
    // logged) when the table has no such transition from the current state.
    bool move(UpdateEvent event);
    // The update being received or written, or the request waiting out its deferment; nullptr otherwise.
    const UpdateInProgress* active_update() const;
    const PendingRequest* waiting_request() const;
    bool active_campaign(const std::string& campaign) const;
    bool waiting_campaign(const std::string& campaign) const;

    // device_agent.cpp: session, dispatch, publishing
    // First power-on of a new state directory: the slot each handler says runs.
    void adopt_booted_slots();
    // Rewrites the panel's view (DIR/panel/view.json) from the current state (device_agent_control.cpp).
    void show_panel();
    void on_message(const MqttEvent& event);
    void on_command(const DeviceCommand& cmd);
    void publish_state();
    // The versions and image SHA-256s the active slots boot, with `campaign` when this start ends its update.
    PowerOnEvent power_on_event(const std::string& campaign) const;
    template <typename Event>
    void emit(const Event& e);
    void emit_error(const std::string& campaign, const std::string& fw_id, const std::string& code,
                    const std::string& detail);
    void bad_input(const std::string& counter, const std::string& topic, const std::string& error);
    Slot inactive_slot(const std::string& component) const;

    // device_agent_update.cpp: offer, transfer, install
    void on_offer(const OfferCmd& offer);
    bool offer_acceptable(const OfferCmd& offer, std::vector<FirmwareManifest>& todo);
    void begin_update(const std::string& campaign, std::vector<FirmwareManifest> firmware);
    bool open_downloads();
    void enter_receiving();
    void send_ready();
    // Issue 17 (device_agent_delta.cpp): deltas against the active slot.
    std::filesystem::path active_slot_path(const std::string& component) const;
    // ok when this device can use the delta: no handler owns the slot and the active slot is its source.
    Status delta_usable(const FirmwareManifest& m) const;
    // Tells the gateway to send the full image instead (error delta_source), logged and counted.
    void delta_refused(const std::string& campaign, const FirmwareManifest& m, const std::string& why);
    // Rebuilds each verified delta's target into its inactive slot (false: abandoned).
    bool rebuild_deltas(const std::string& campaign);
    // Stops receiving or writing, by `event` (Abandoned, Suspended, Postponed, Expired), and saves the state.
    void abandon_update(const std::string& why, UpdateEvent event = UpdateEvent::Abandoned);
    void on_chunk(const std::string& topic, const std::string& fw_id, const std::string& payload);
    void on_fanout_done(const FanoutDoneCmd& cmd);
    // device_agent_expiry.cpp: R18 expiry, a failed chunk write, a restart that never comes back
    void on_expire(const ExpireCmd& cmd);
    bool write_failed(ImageDownload& d, const std::string& fw_id);
    void lose_restart(const std::string& campaign);
    void ask_missing(ImageDownload& d);
    void report_progress();
    bool all_complete() const;
    void install();
    void fanout_subscriptions(bool subscribe);
    void finish_install();
    // The update handlers' install step of every component that has one (false: abandoned).
    bool run_install_handlers();
    // After the flip is stored: the handlers select the new slots; on failure the old ones come back.
    bool activate_handlers(const std::string& campaign);

    // device_agent_control.cpp: communication request, deferment, cancel, postpone
    void on_cancel(const CancelCmd& cmd);
    void on_postpone(const PostponeCmd& cmd);
    void on_suspend(const SuspendCmd& cmd);
    void on_set_param(const SetParamCmd& cmd);
    void wait_deferment(const std::string& campaign, std::vector<FirmwareManifest> firmware);
    bool cancel_update(const std::string& campaign, const std::string& request_id, const std::string& by);
    void control_tick();
    bool save_state();
    DeviceStatus reported_status() const;

    DeviceConfig config_;
    Transport& transport_;
    Transport& data_;
    Clock& clock_;
    Counters& counters_;
    OwnRetained own_state_;  // our retained device state on the broker
    // Our gateway's retained state says online. When it turns online the device
    // publishes its state again: a broker cluster that keeps retained messages
    // per node (RabbitMQ) does not hand the gateway our retained copy.
    bool gateway_online_ = false;
    DeviceStateStore store_;
    DeviceNvState state_;
    std::map<std::string, std::unique_ptr<ImageDownload>> downloads_;  // fw_id -> image
    std::map<std::string, std::string> rebuilt_sha256_;                // delta fw_id -> its rebuilt image's hash
    TimePoint last_activity_{};
    bool fanout_started_ = false;
    std::uint32_t last_decile_ = 0;
    bool started_ = false;
    bool restart_requested_ = false;
    bool reboot_requested_ = false;
    std::optional<TimePoint> installing_until_;  // Writing: when the write is done
    std::optional<TimePoint> flash_busy_until_;
    std::unique_ptr<DevicePolicy> policy_;
    TimePoint last_panel_poll_{};
    PanelInbox panel_;
};

}  // namespace fleetcast::device
