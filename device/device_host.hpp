#pragma once
// Runs one or many DeviceAgents in one process: one MqttSession per device
// (client id = device id, tag = index), ONE queue and one loop thread that
// dispatches events by tag. Restarting a device after an install either
// re-executes the process (the real agent) or rebuilds its DeviceAgent from
// its state folder (a simulated device): the same code path as power-on.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/blocking_queue.hpp"
#include "common/clock.hpp"
#include "common/counters.hpp"
#include "common/mqtt_session.hpp"
#include "device/device_agent.hpp"
#include "common/outbox_transport.hpp"

namespace fleetcast::device {

// A device's data connection's client id: its id + this suffix.
inline constexpr const char* kDataClientSuffix = ".data";

struct HostOptions {
    std::vector<DeviceConfig> devices;
    MqttOptions mqtt;                // uri and credentials; client id and will are set per device
    bool reexec_on_restart = false;  // real agent: execv("/proc/self/exe", argv)
    std::vector<std::string> argv;   // original command line, for the re-exec
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
    };
    void connect_all();
    void start_data_sessions();
    void start_agent(Device& d);
    void dispatch(const MqttEvent& ev);
    void after_step(Device& d);
    void drain_now();
    void reexec();
    void stop_all();

    HostOptions options_;
    Clock& clock_;
    Counters counters_;
    BlockingQueue<MqttEvent> queue_;
    std::vector<Device> devices_;
    Outbox outbox_;  // declared last: its sender thread stops before the sessions go
};

}  // namespace fleetcast::device
