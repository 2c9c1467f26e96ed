#pragma once
// Runs one or many DeviceAgents in one process: one MqttSession per device
// (client id = device id, tag = index), ONE queue and one loop thread that
// dispatches events by tag. Restarting a device after an install either
// re-executes the process (the real agent) or rebuilds its DeviceAgent from
// its state folder (a simulated device): the same code path as power-on.
// A device still writing its last chunk (slow flash, flash_busy_until) gets
// its further data events later, in order, from its own FIFO; the loop never
// sleeps for it, so the other devices go on (device_host_flash.cpp).
#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "common/blocking_queue.hpp"
#include "common/clock.hpp"
#include "common/counters.hpp"
#include "common/mqtt_session.hpp"
#include "common/outbox_transport.hpp"
#include "device/device_agent.hpp"

namespace fleetcast::device {

// A device's data connection's client id: its id + this suffix.
inline constexpr const char* kDataClientSuffix = ".data";

struct HostOptions {
    std::vector<DeviceConfig> devices;
    MqttOptions mqtt;                // uri and credentials; client id and will are set per device
    bool reexec_on_restart = false;  // real agent: execv("/proc/self/exe", argv)
    std::vector<std::string> argv;   // original command line, for the re-exec
    // A real device whose new image needs a reboot (an update handler said
    // so): this runs (no shell), then the agent waits reboot_wait for the
    // machine to go down before it re-executes itself; still alive then, the
    // trial boot finds the old image running and rolls the update back.
    std::vector<std::string> reboot_command;
    std::chrono::milliseconds reboot_wait{300000};
    std::chrono::milliseconds reboot_command_timeout{60000};
    std::chrono::milliseconds connect_timeout{30000};
    std::chrono::milliseconds tick_every{200};
};

class DeviceHost {
   public:
    DeviceHost(HostOptions options, Clock& clock);
    ~DeviceHost();
    // Runs until stop_requested turns true. Returns a process exit code.
    int run(const std::atomic<bool>& stop_requested);
    const Counters& counters() const { return counters_; }

   private:
    struct Device {
        DeviceConfig config;
        std::unique_ptr<MqttSession> session;        // control: commands, events, state (urgent lane)
        std::unique_ptr<MqttSession> data_session;   // chunks and fanout_done
        std::unique_ptr<OutboxTransport> transport;  // what the agent uses: never blocks the loop
        std::unique_ptr<OutboxTransport> data_transport;
        std::unique_ptr<DeviceAgent> agent;
        std::deque<MqttEvent> held_data;  // data events waiting for the flash (FIFO)
    };
    void connect_all();
    void start_data_sessions();
    void start_agent(Device& d);
    void dispatch(const MqttEvent& ev);
    void after_step(Device& d);
    void drain_now();
    // device_host_flash.cpp: per-device slow flash without sleeping the loop.
    bool hold_for_flash(std::size_t index, MqttEvent ev);
    // Hands held events to devices whose flash is free; the time until the next one is.
    std::chrono::milliseconds release_held_data();
    std::optional<MqttEvent> next_event(std::chrono::milliseconds wait);
    // Runs the reboot command and waits for the machine to go down (true: stop now, do not re-exec).
    bool reboot();
    void reexec(bool reboot);
    void stop_all();

    HostOptions options_;
    Clock& clock_;
    Counters counters_;
    std::size_t queue_capacity_;
    BlockingQueue<MqttEvent> queue_;
    std::vector<Device> devices_;
    std::vector<std::size_t> holding_;  // devices with held data events
    std::size_t held_total_ = 0;
    const std::atomic<bool>* stop_requested_ = nullptr;
    Outbox outbox_;  // declared last: its sender thread stops before the sessions go
};

}  // namespace fleetcast::device
