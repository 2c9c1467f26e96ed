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
#include "common/messages.hpp"
#include "common/topics.hpp"
#include "common/transport.hpp"
#include "common/manifest_signing.hpp"
#include "device/boot_health.hpp"
#include "device/device_state.hpp"
#include "device/device_state_store.hpp"
#include "device/image_download.hpp"
#include "device/panel_inbox.hpp"

namespace fleetcast::device {

// Simulator fault injection (R16-R18 tests and demo); all off for a real agent.
struct DeviceFaults {
    bool fail_first_write = false;  // the first chunk write past half of an image fails (once per state dir)
    bool no_power_on = false;       // the restart after an install never comes back: no power-on report
    bool boot_fails = false;        // the new image fails its first boot: the old one runs and is reported
};

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
    BootHealthConfig boot_health;  // simulated first-boot health check (R22)
    Millis flash_write_delay{0};   // simulated slow flash, after each chunk write
    DeviceFaults faults;
    std::optional<Millis> deferment;  // set locally at start (R12); otherwise the stored value
    Millis install_time{0};           // how long writing the verified image takes (cancellable)
    std::chrono::milliseconds panel_poll{200};
    // Simulator profile (--profile): the device's own behaviour for demos and tests.
    Millis busy_for{0};         // busy (printing) for this long after the first power-on
    std::string service_call;   // first power-on in service call error of this type
    bool auto_defer = false;    // the user presses defer on the first waiting screen
    bool auto_cancel = false;   // the user presses cancel once the first chunk arrived
};

class DeviceAgent {
   public:
    // `transport`: the control connection (commands, events, state). `data`:
    // the connection that receives chunks and fanout_done (default: the same
    // one). Two connections let a command overtake chunks the broker still
    // holds for the device: MQTT keeps one ordered stream per connection.
    DeviceAgent(DeviceConfig config, Transport& transport, Clock& clock, Counters& counters,
                Transport* data = nullptr);
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
    bool updating() const { return state_.update.has_value(); }

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
    // device_agent.cpp: session, dispatch, publishing
    void on_message(const MqttEvent& event);
    void on_command(const DeviceCommand& cmd);
    void publish_state();
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
    void abandon_update(const std::string& why);
    void on_chunk(const std::string& topic, const std::string& fw_id, const std::string& payload);
    void on_fanout_done(const FanoutDoneCmd& cmd);
    // device_faults.cpp: R18 expiry and the simulator's injected faults
    void on_expire(const ExpireCmd& cmd);
    bool inject_write_failure(ImageDownload& d, const std::string& fw_id);
    bool inject_install_fault(const std::string& campaign);
    void ask_missing(ImageDownload& d);
    void report_progress();
    bool all_complete() const;
    void install();
    void fanout_subscriptions(bool subscribe);
    void finish_install();

    // device_agent_control.cpp: communication request, deferment, cancel, postpone
    void on_cancel(const CancelCmd& cmd);
    void on_postpone(const PostponeCmd& cmd);
    void on_suspend(const SuspendCmd& cmd);
    void on_set_param(const SetParamCmd& cmd);
    void wait_deferment(const std::string& campaign, std::vector<FirmwareManifest> firmware);
    bool cancel_update(const std::string& campaign, const std::string& request_id, const std::string& by);
    void control_tick();
    void apply_profile_at_first_boot();
    bool save_state();
    DeviceStatus reported_status() const;

    DeviceConfig config_;
    Transport& transport_;
    Transport& data_;
    Clock& clock_;
    Counters& counters_;
    DeviceStateStore store_;
    DeviceNvState state_;
    std::map<std::string, std::unique_ptr<ImageDownload>> downloads_;  // fw_id -> image
    TimePoint last_activity_{};
    bool fanout_started_ = false;
    std::uint32_t last_decile_ = 0;
    bool started_ = false;
    bool restart_requested_ = false;
    std::optional<TimePoint> busy_until_;
    std::optional<TimePoint> installing_until_;
    bool auto_defer_done_ = false;
    bool auto_cancel_done_ = false;
    TimePoint last_panel_poll_{};
    PanelInbox panel_;
};

}  // namespace fleetcast::device
