#pragma once
// What every fleetcast program does around its logic, written once: read the
// log level, choose the clock (real time, or scaled for demos), stop on
// SIGINT/SIGTERM, and run the one event loop that feeds MQTT events to the
// program and ticks it.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/blocking_queue.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/transport.hpp"

namespace fleetcast {

// "debug", "info", "warn" or "error".
Expected<LogLevel> parse_log_level(std::string_view text);

// time_scale 1: the system clock. Otherwise a ScaledClock, anchored at
// time_origin (ISO-8601) when given so that several programs agree.
Expected<std::unique_ptr<Clock>> make_clock(double time_scale, const std::string& time_origin);

// Installs SIGINT/SIGTERM handlers (and ignores SIGPIPE) once; the flag turns
// true when one arrives.
const std::atomic<bool>& stop_on_signals();

// Until stop: hands each event to handle(event), calling tick() after each
// wait of at most `poll`.
template <typename Handle, typename Tick>
void run_loop(BlockingQueue<MqttEvent>& queue, const std::atomic<bool>& stop, std::chrono::milliseconds poll,
              Handle&& handle, Tick&& tick) {
    while (!stop.load()) {
        if (auto event = queue.pop_for(poll)) handle(*event);
        tick();
    }
}

// The same, a turn at a time: handle_turn(events) gets the event that ended
// the wait and those already queued behind it (at most max_turn).
template <typename HandleTurn, typename Tick>
void run_loop_turns(BlockingQueue<MqttEvent>& queue, const std::atomic<bool>& stop, std::chrono::milliseconds poll,
                    std::size_t max_turn, HandleTurn&& handle_turn, Tick&& tick) {
    std::vector<MqttEvent> turn;
    while (!stop.load()) {
        turn.clear();
        if (auto event = queue.pop_for(poll)) {
            turn.push_back(std::move(*event));
            while (turn.size() < max_turn) {
                auto more = queue.pop_for(std::chrono::milliseconds(0));
                if (!more) break;
                turn.push_back(std::move(*more));
            }
            handle_turn(turn);
        }
        tick();
    }
}

}  // namespace fleetcast
