#include "device/device_host.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "common/log.hpp"
#include "common/topics.hpp"
#include "device/handler_runner.hpp"

namespace fleetcast::device {

namespace {
// Paho runs all clients' callbacks on shared threads: the queue must take the
// startup burst (connects, acks) without blocking them. Bounded all the same,
// so a fan-out the loop cannot keep up with slows the broker down.
// Each queued event may be a 64 KiB chunk: for one real device the queue is
// what bounds memory (scenario 3 of bench/README.md: 2,052 slots let a 64 MiB
// transfer queue ~180 chunks, +11 MiB of RSS), so it grows with the fleet only.
std::size_t queue_capacity(std::size_t devices) { return 32 + 4 * devices; }
constexpr std::size_t kTickBacklog = 64;
// Event tags: device i's control session is i, its data session -(i + 1).
int control_tag(std::size_t i) { return static_cast<int>(i); }
int data_tag(std::size_t i) { return -static_cast<int>(i) - 1; }
}  // namespace

DeviceHost::DeviceHost(HostOptions options, Clock& clock)
    : options_(std::move(options)),
      clock_(clock),
      queue_capacity_(queue_capacity(options_.devices.size())),
      queue_(queue_capacity_) {}

DeviceHost::~DeviceHost() = default;

void DeviceHost::connect_all() {
    devices_.reserve(options_.devices.size());
    for (std::size_t i = 0; i < options_.devices.size(); ++i) {
        Device d;
        d.config = options_.devices[i];
        MqttOptions mo = options_.mqtt;
        mo.client_id = d.config.id;
        // The options validated the ids: a topic they cannot make connects without a will.
        if (auto will = topics::dev_state(d.config.gateway, d.config.id)) mo.will_topic = *will;
        else log_error("device", "bad_topic").kv("device", d.config.id).kv("error", will.error().str());
        mo.will_payload = encode_device_offline(d.config.id, d.config.gateway, d.config.model);
        // The data connection: no will (the control one carries the device's state).
        MqttOptions data = options_.mqtt;
        data.client_id = d.config.id + kDataClientSuffix;
        d.session = std::make_unique<MqttSession>(std::move(mo), queue_, control_tag(i), true);
        d.data_session = std::make_unique<MqttSession>(std::move(data), queue_, data_tag(i));
        d.transport = std::make_unique<OutboxTransport>(outbox_, *d.session);
        d.data_transport = std::make_unique<OutboxTransport>(outbox_, *d.data_session);
        devices_.push_back(std::move(d));
    }
    // Start every connect first, then wait: one after another costs ~2 s per client.
    // The control connections only: the data connections start once the
    // agents run (start_data_sessions), so the chunks a persistent session
    // held for a device reach its agent instead of this wait.
    for (auto& d : devices_) {
        auto st = d.session->start();
        if (!st) log_error("device", "connect_failed").kv("device", d.config.id).kv("error", st.error().str());
    }
    auto deadline = std::chrono::steady_clock::now() + options_.connect_timeout;
    std::size_t connected = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        connected = 0;
        for (auto& d : devices_) connected += d.session->connected() ? 1 : 0;
        if (connected == devices_.size()) break;
        // Nothing to dispatch to yet (agents start below); draining keeps Paho's threads free.
        queue_.pop_for(std::chrono::milliseconds(10));
    }
    log_info("device", "connected").kv("devices", devices_.size()).kv("connected", connected);
    if (connected < devices_.size()) log_warn("device", "not_all_connected").kv("missing", devices_.size() - connected);
}

void DeviceHost::start_data_sessions() {
    for (auto& d : devices_) {
        auto st = d.data_session->start();
        if (!st)
            log_error("device", "connect_failed")
                .kv("device", d.config.id)
                .kv("client", d.data_session->client_id())
                .kv("error", st.error().str());
    }
}

void DeviceHost::start_agent(Device& d) {
    d.agent = std::make_unique<DeviceAgent>(d.config, *d.transport, clock_, counters_, d.data_transport.get());
    auto st = d.agent->start();
    if (!st) {
        log_error("device", "start_failed").kv("device", d.config.id).kv("error", st.error().str());
        d.agent.reset();
    }
}

void DeviceHost::dispatch(const MqttEvent& ev) {
    const bool data = ev.tag < 0;
    const auto index = static_cast<std::size_t>(data ? -(ev.tag + 1) : ev.tag);
    if (index >= devices_.size()) return;
    auto& d = devices_[index];
    if (!d.agent) return;
    if (data && hold_for_flash(index, ev)) return;
    if (data) d.agent->handle_data(ev);
    else d.agent->handle(ev);
    after_step(d);
}

void DeviceHost::after_step(Device& d) {
    if (!d.agent || !d.agent->restart_requested()) return;
    if (options_.reexec_on_restart) return reexec(d.agent->reboot_requested());
    log_info("device", "restarting").kv("device", d.config.id).kv("mode", "reinit");
    d.agent.reset();
    start_agent(d);
}

void DeviceHost::drain_now() {
    while (auto ev = queue_.pop_for(std::chrono::milliseconds(0))) dispatch(*ev);
}

bool DeviceHost::reboot() {
    log_info("device", "rebooting").kv("command", options_.reboot_command.front());
    ProcessSpec spec;
    spec.argv = options_.reboot_command;
    spec.timeout = options_.reboot_command_timeout;
    auto r = run_process(spec);
    if (!r || !r->succeeded()) {
        log_error("device", "reboot_command_failed")
            .kv("command", options_.reboot_command.front())
            .kv("error", r ? r->how_it_ended(spec.timeout) + " " + r->output_tail() : r.error().message);
        return false;  // re-exec: the trial boot finds the old image and rolls back
    }
    log_info("device", "reboot_command_done").kv("ms", r->took.count()).kv("output", r->output_tail(200));
    auto until = std::chrono::steady_clock::now() + options_.reboot_wait;
    while (std::chrono::steady_clock::now() < until) {
        if (stop_requested_ && *stop_requested_) return true;  // the machine goes down: systemd stops us
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (options_.reboot_wait.count() > 0)
        log_warn("device", "reboot_did_not_happen").kv("waited_ms", options_.reboot_wait.count());
    return false;
}

void DeviceHost::reexec(bool reboot_machine) {
    log_info("device", "restarting").kv("mode", reboot_machine && !options_.reboot_command.empty() ? "reboot" : "exec");
    // Clean disconnect without the will: the next process announces itself.
    queue_.close();
    outbox_.flush_and_stop();
    for (auto& d : devices_) {
        d.agent.reset();
        d.session->stop();
        d.data_session->stop();
        d.session.reset();
        d.data_session.reset();
    }
    if (reboot_machine && !options_.reboot_command.empty() && reboot()) std::_Exit(0);
    std::vector<char*> args;
    for (auto& a : options_.argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv("/proc/self/exe", args.data());
    log_error("device", "exec_failed").kv("error", std::strerror(errno));
    std::_Exit(75);  // the supervisor restarts us; state on disk is already flipped
}

void DeviceHost::stop_all() {
    // Closed first so Paho's threads never block on a queue nobody drains.
    queue_.close();
    outbox_.flush_and_stop();
    // A few threads: each stop waits for the broker's ack and the disconnect.
    std::size_t workers = std::min<std::size_t>(8, devices_.size());
    std::vector<std::thread> threads;
    for (std::size_t w = 0; w < workers; ++w) {
        threads.emplace_back([this, w, workers] {
            for (std::size_t i = w; i < devices_.size(); i += workers) {
                const auto& c = devices_[i].config;
                devices_[i].session->stop(encode_device_offline(c.id, c.gateway, c.model));
                devices_[i].data_session->stop();
            }
        });
    }
    for (auto& t : threads) t.join();
    log_info("device", "stopped").kv("devices", devices_.size());
}

int DeviceHost::run(const std::atomic<bool>& stop_requested) {
    stop_requested_ = &stop_requested;
    connect_all();
    for (auto& d : devices_) {
        if (stop_requested) break;
        start_agent(d);
        drain_now();
    }
    start_data_sessions();
    std::size_t running = 0;
    for (auto& d : devices_) running += d.agent ? 1 : 0;
    log_info("device", "started").kv("devices", devices_.size()).kv("running", running);
    if (running == 0) {
        stop_all();
        return 1;
    }
    auto next_tick = std::chrono::steady_clock::now();
    while (!stop_requested) {
        auto wait = std::min(std::chrono::milliseconds(50), release_held_data());
        if (auto ev = next_event(wait)) dispatch(*ev);
        release_held_data();
        auto now = std::chrono::steady_clock::now();
        // "No progress" only counts while the loop keeps up: with a backlog, a
        // device's chunks may simply be waiting in the queue behind its neighbours'.
        if (now < next_tick || queue_.size() > kTickBacklog) continue;
        next_tick = now + options_.tick_every;
        for (auto& d : devices_) {
            if (!d.agent) continue;
            d.agent->tick();
            after_step(d);
        }
    }
    stop_all();
    return 0;
}

}  // namespace fleetcast::device
