#include "common/log.hpp"

#include <chrono>
#include <cstdio>
#include <mutex>

#include "common/clock.hpp"

namespace fleetcast {

namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::Info)};
std::mutex g_mu;
const char* name(LogLevel l) {
    switch (l) {
        case LogLevel::Debug: return "DEBUG";
        case LogLevel::Info: return "INFO";
        case LogLevel::Warn: return "WARN";
        case LogLevel::Error: return "ERROR";
    }
    return "?";
}
}  // namespace

void set_log_level(LogLevel level) { g_level = static_cast<int>(level); }
LogLevel log_level() { return static_cast<LogLevel>(g_level.load()); }

LogLine::LogLine(LogLevel level, std::string_view component, std::string_view event)
    : enabled_(static_cast<int>(level) >= g_level.load()) {
    if (enabled_)
        out_ << format_time(std::chrono::system_clock::now()) << ' ' << name(level) << ' ' << component << ' ' << event;
}

LogLine::~LogLine() {
    if (!enabled_) return;
    out_ << '\n';
    auto s = out_.str();
    std::lock_guard lock(g_mu);
    std::fwrite(s.data(), 1, s.size(), stderr);
    std::fflush(stderr);
}

void LogLine::write_text(const std::string& s) {
    // Values with spaces or quotes are quoted; control characters are escaped so
    // one event stays one line whatever a peer sent.
    bool quote = s.empty() || s.find_first_of(" \"=") != std::string::npos;
    if (quote) out_ << '"';
    for (char c : s.substr(0, 512)) {
        if (c == '"') out_ << "\\\"";
        else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            out_ << "\\x" << std::hex << (static_cast<int>(c) & 0xff) << std::dec;
        else out_ << c;
    }
    if (s.size() > 512) out_ << "...";
    if (quote) out_ << '"';
}

}  // namespace fleetcast
