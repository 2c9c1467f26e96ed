// The maintenance_window table (issue 16 item 5): the window message the
// manager last sent, so a restarted gateway keeps its window before (and
// without) hearing from the broker again.
#include "gateway/gateway_store.hpp"

namespace fleetcast::gateway {

Status GatewayStore::save_window(const WindowMsg& w) {
    auto s = db_->prepare("INSERT OR REPLACE INTO maintenance_window (id, body) VALUES (1, ?1)");
    if (!s) return s.error();
    return s->bind(1, encode(w)).run();
}

Status GatewayStore::clear_window() { return db_->exec("DELETE FROM maintenance_window"); }

Expected<std::optional<WindowMsg>> GatewayStore::load_window() {
    auto s = db_->prepare("SELECT body FROM maintenance_window WHERE id = 1");
    if (!s) return s.error();
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return std::optional<WindowMsg>{};
    auto w = decode_window(s->text(0));
    if (!w) return w.error().with_context("stored maintenance window");
    return std::optional<WindowMsg>{*w};
}

}  // namespace fleetcast::gateway
