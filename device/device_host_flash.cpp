// Slow flash per device (--flash-write-delay): after a chunk write the agent
// is busy until flash_busy_until(). Its further data events (chunks,
// fanout_done) wait here in its own FIFO, in their order, and are handed over
// when its flash is free; the loop waits no longer than the earliest such
// time, and every other device goes on meanwhile. Commands (the control
// connection) are never held: a cancel still overtakes the chunks.
//
// Memory stays bounded: while the held events total the queue's capacity,
// the loop takes only the urgent lane, so the data lane fills and Paho's
// threads (then TCP) slow the broker down, as when the loop itself is slow.
#include <algorithm>

#include "device/device_host.hpp"

namespace fleetcast::device {

bool DeviceHost::hold_for_flash(std::size_t index, MqttEvent ev) {
    auto& d = devices_[index];
    auto busy = d.agent->flash_busy_until();
    bool writing = busy && clock_.now() < *busy;
    if (!writing && d.held_data.empty()) return false;
    if (d.held_data.empty()) holding_.push_back(index);
    d.held_data.push_back(std::move(ev));
    ++held_total_;
    return true;
}

std::chrono::milliseconds DeviceHost::release_held_data() {
    auto wait = std::chrono::milliseconds::max();
    const auto now = clock_.now();
    for (auto it = holding_.begin(); it != holding_.end();) {
        auto& d = devices_[*it];
        while (!d.held_data.empty()) {
            if (d.agent) {
                auto busy = d.agent->flash_busy_until();
                if (busy && now < *busy) {
                    wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(*busy - now));
                    break;
                }
            }
            auto ev = std::move(d.held_data.front());
            d.held_data.pop_front();
            --held_total_;
            if (!d.agent) continue;  // stopped: its events go, as the loop's would
            d.agent->handle_data(ev);
            after_step(d);
        }
        it = d.held_data.empty() ? holding_.erase(it) : it + 1;
    }
    return wait;
}

std::optional<MqttEvent> DeviceHost::next_event(std::chrono::milliseconds wait) {
    if (held_total_ >= queue_capacity_) return queue_.pop_urgent_for(wait);
    return queue_.pop_for(wait);
}

}  // namespace fleetcast::device
