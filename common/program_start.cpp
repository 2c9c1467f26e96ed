#include "common/program_start.hpp"

#include <csignal>

namespace fleetcast {

namespace {
std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop = true; }
}  // namespace

Expected<LogLevel> parse_log_level(std::string_view text) {
    if (text == "debug") return LogLevel::Debug;
    if (text == "info") return LogLevel::Info;
    if (text == "warn") return LogLevel::Warn;
    if (text == "error") return LogLevel::Error;
    return make_error("bad_option", "--log-level must be debug, info, warn or error");
}

Expected<std::unique_ptr<Clock>> make_clock(double time_scale, const std::string& time_origin) {
    if (!(time_scale > 0)) return make_error("bad_option", "--time-scale must be positive");
    if (time_scale == 1.0) return std::unique_ptr<Clock>(std::make_unique<SystemClock>());
    if (time_origin.empty()) return std::unique_ptr<Clock>(std::make_unique<ScaledClock>(time_scale));
    auto origin = parse_time(time_origin);
    if (!origin) return origin.error().with_context("--time-origin");
    return std::unique_ptr<Clock>(std::make_unique<ScaledClock>(time_scale, *origin));
}

const std::atomic<bool>& stop_on_signals() {
    static const bool installed = [] {
        struct sigaction sa {};
        sa.sa_handler = on_stop_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, nullptr);
        sigaction(SIGTERM, &sa, nullptr);
        std::signal(SIGPIPE, SIG_IGN);
        return true;
    }();
    (void)installed;
    return g_stop;
}

}  // namespace fleetcast
