// The fanout_marks table: how far each fan-out is known accepted by the
// broker, so a restarted gateway continues a fan-out instead of repeating it.
#include "gateway/gateway_store.hpp"

namespace fleetcast::gateway {

Status GatewayStore::save_fanout_marks(const FanoutMarks& marks) {
    if (marks.empty()) return ok_status();
    return db_->transaction([&]() -> Status {
        for (const auto& [key, mark] : marks) {
            auto s =
                db_->prepare("INSERT OR REPLACE INTO fanout_marks (campaign, fw_id, acked_below) VALUES (?1, ?2, ?3)");
            if (!s) return s.error();
            auto st = s->bind(1, key.first).bind(2, key.second).bind(3, static_cast<std::int64_t>(mark)).run();
            if (!st) return st;
        }
        return ok_status();
    });
}

Expected<GatewayStore::FanoutMarks> GatewayStore::load_fanout_marks() {
    auto s = db_->prepare("SELECT campaign, fw_id, acked_below FROM fanout_marks");
    if (!s) return s.error();
    FanoutMarks out;
    while (true) {
        auto row = s->step();
        if (!row) return row.error();
        if (!*row) break;
        auto mark = s->int64(2);
        if (mark < 0 || mark > UINT32_MAX) continue;  // not ours: ignored, the fan-out then starts over
        out[{s->text(0), s->text(1)}] = static_cast<std::uint32_t>(mark);
    }
    return out;
}

Status GatewayStore::clear_fanout_marks() { return db_->exec("DELETE FROM fanout_marks;"); }

}  // namespace fleetcast::gateway
