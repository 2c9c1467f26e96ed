#pragma once
// One line per event on stderr: time, level, component, event, key=value ids.
//   2026-11-25T21:30:00.123Z INFO gateway chunk_cached fw=3f2a... index=12
#include <atomic>
#include <sstream>
#include <string>
#include <string_view>

namespace fleetcast {

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3 };
void set_log_level(LogLevel level);
LogLevel log_level();

class LogLine {
   public:
    LogLine(LogLevel level, std::string_view component, std::string_view event);
    ~LogLine();
    LogLine(const LogLine&) = delete;
    LogLine& operator=(const LogLine&) = delete;
    template <typename T>
    LogLine& kv(std::string_view key, const T& value) {
        if (enabled_) {
            out_ << ' ' << key << '=';
            write_value(value);
        }
        return *this;
    }

   private:
    template <typename T>
    void write_value(const T& v) {
        std::ostringstream tmp;
        tmp << v;
        write_text(tmp.str());
    }
    void write_text(const std::string& s);
    bool enabled_;
    std::ostringstream out_;
};

inline LogLine log_debug(std::string_view c, std::string_view e) { return LogLine(LogLevel::Debug, c, e); }
inline LogLine log_info(std::string_view c, std::string_view e) { return LogLine(LogLevel::Info, c, e); }
inline LogLine log_warn(std::string_view c, std::string_view e) { return LogLine(LogLevel::Warn, c, e); }
inline LogLine log_error(std::string_view c, std::string_view e) { return LogLine(LogLevel::Error, c, e); }

}  // namespace fleetcast
