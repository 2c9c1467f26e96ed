// The gateway_windows table (issue 16 item 5, schema 9): one maintenance
// window per gateway, as the operator set it.
#include "manager/manager_store.hpp"

namespace fleetcast::manager {

Status ManagerStore::set_gateway_window(const WindowMsg& w) {
    auto s = db_->prepare("INSERT OR REPLACE INTO gateway_windows (gateway, spec, tz, set_at) VALUES (?1, ?2, ?3, ?4)");
    if (!s) return s.error();
    return s->bind(1, w.gateway).bind(2, w.window).bind(3, w.tz).bind(4, format_time(w.set_at)).run();
}

Status ManagerStore::clear_gateway_window(const std::string& gateway) {
    auto s = db_->prepare("DELETE FROM gateway_windows WHERE gateway = ?1");
    if (!s) return s.error();
    return s->bind(1, gateway).run();
}

Expected<std::map<std::string, WindowMsg>> ManagerStore::gateway_windows() {
    auto s = db_->prepare("SELECT gateway, spec, tz, set_at FROM gateway_windows");
    if (!s) return s.error();
    std::map<std::string, WindowMsg> out;
    while (true) {
        auto row = s->step();
        if (!row) return row.error();
        if (!*row) break;
        auto at = parse_time(s->text(3));
        out[s->text(0)] = WindowMsg{s->text(0), s->text(1), s->text(2), at ? *at : TimePoint{}};
    }
    return out;
}

}  // namespace fleetcast::manager
