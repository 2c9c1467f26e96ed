// The maintenance window (issue 16 item 5, topics.md gw/{gw}/window): stored
// before it is used, kept across restarts, and checked on every scan. Outside
// the window no job of any campaign is offered (a first offer or a retry) and
// nothing is fetched from the manager; a transfer already offered goes on to
// its end (README "Maintenance windows").
#include "common/log.hpp"
#include "gateway/gateway.hpp"

namespace fleetcast::gateway {

namespace {
LogLine& window_line(LogLine&& line, const std::string& gateway, const WindowMsg& w, TimePoint now) {
    auto window = parse_window(w.window, w.tz);
    line.kv("gateway", gateway).kv("window", w.window).kv("tz", w.tz);
    if (window) {
        auto span = window_span(*window, now);
        line.kv("open", format_time(span.open)).kv("close", format_time(span.close));
    }
    return line;
}
}  // namespace

Status Gateway::load_window() {
    auto stored = store_.load_window();
    if (!stored) {
        // A window this program cannot read (a time zone gone from the tz
        // database): none until the manager's retained one arrives again.
        counters_.add("bad_window");
        log_error("gateway", "window_load_failed").kv("gateway", config_.id).kv("error", stored.error().str());
        return ok_status();
    }
    if (!*stored) return ok_status();
    auto window = parse_window((*stored)->window, (*stored)->tz);
    if (!window) return ok_status();  // decode_window checked it
    window_msg_ = **stored;
    window_ = *window;
    window_open_ = window_open(*window_, clock_.now());
    window_line(log_info("gateway", "window_loaded"), config_.id, *window_msg_, clock_.now())
        .kv("now_open", window_open_);
    return ok_status();
}

void Gateway::on_window(const std::string& topic, const std::string& payload) {
    if (payload.empty()) {
        if (!window_msg_) return;
        if (auto st = store_.clear_window(); !st) {
            log_error("gateway", "window_store_failed").kv("gateway", config_.id).kv("error", st.error().str());
            return;
        }
        log_info("gateway", "window_cleared").kv("gateway", config_.id).kv("window", window_msg_->window);
        window_msg_.reset();
        window_.reset();
        dirty_ = true;
        return;
    }
    auto msg = decode_window(payload);
    if (!msg) {
        counters_.add("bad_window");
        return bad_input("window", topic, msg.error());  // the window in force stays
    }
    if (msg->gateway != config_.id) {
        counters_.add("bad_window");
        return bad_input("window", topic, make_error("bad_window", "window for gateway " + msg->gateway));
    }
    if (window_msg_ && window_msg_->window == msg->window && window_msg_->tz == msg->tz) return;  // a redelivery
    auto window = parse_window(msg->window, msg->tz);
    if (!window) return bad_input("window", topic, window.error());
    // Stored before it is used: a restart keeps it.
    if (auto st = store_.save_window(*msg); !st) {
        log_error("gateway", "window_store_failed").kv("gateway", config_.id).kv("error", st.error().str());
        return;
    }
    window_msg_ = *msg;
    window_ = *window;
    window_line(log_info("gateway", "window_set"), config_.id, *window_msg_, clock_.now());
    dirty_ = true;
}

void Gateway::check_window(TimePoint now) {
    const bool open = !window_ || window_open(*window_, now);
    if (open == window_open_) return;
    window_open_ = open;
    if (open) {
        // Open again, or no window any more (cleared while closed: window_msg_ is gone).
        if (window_msg_) window_line(log_info("gateway", "window_opened"), config_.id, *window_msg_, now);
        else log_info("gateway", "window_opened").kv("gateway", config_.id).kv("window", "none");
        return;
    }
    // Closed (or a new window that is closed now): ask the manager for nothing more.
    fetcher_.hold_all();
    if (window_msg_) window_line(log_info("gateway", "window_closed"), config_.id, *window_msg_, now);
    else log_info("gateway", "window_closed").kv("gateway", config_.id);
}

}  // namespace fleetcast::gateway
