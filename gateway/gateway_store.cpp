#include "gateway/gateway_store.hpp"

#include "common/json.hpp"
#include "gateway/store_columns.hpp"

namespace fleetcast::gateway {

namespace {
// Statement::bind(const std::string&) is ambiguous (string_view vs optional<string>).
std::string_view text(const std::string& s) { return s; }

std::string join_ids(const std::vector<std::string>& ids) {
    std::string out;
    for (const auto& id : ids) out += (out.empty() ? "" : ",") + id;
    return out;
}

std::vector<std::string> split_ids(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < s.size()) {
        auto pos = s.find(',', start);
        if (pos == std::string::npos) pos = s.size();
        out.push_back(s.substr(start, pos - start));
        start = pos + 1;
    }
    return out;
}

std::string versions_text(const Versions& v) {
    auto j = Json::object();
    json::put(j.get(), "v", v);
    return j.dump();
}

Versions versions_from_text(const std::string& text) {
    auto j = Json::parse(text);
    if (!j) return {};
    auto v = json::get_versions(j->get(), "v");
    return v ? *v : Versions{};
}

}  // namespace

Expected<std::unique_ptr<GatewayStore>> GatewayStore::open(const std::filesystem::path& db_path) {
    auto db = Database::open(db_path);
    if (!db) return db.error();
    std::unique_ptr<GatewayStore> store(new GatewayStore(std::move(*db)));
    auto st = store->migrate();
    if (!st) return st.error();
    return store;
}

Status GatewayStore::migrate() { return apply_migrations(*db_, gateway_migrations()); }

Status GatewayStore::add_schedule(const Schedule& schedule, const std::vector<JobRow>& new_jobs) {
    return db_->transaction([&]() -> Status {
        auto s = db_->prepare("INSERT OR REPLACE INTO schedules (campaign, update_at, body) VALUES (?1, ?2, ?3)");
        if (!s) return s.error();
        auto body = encode(schedule);
        auto when = format_time(schedule.update_at);
        auto st = s->bind(1, text(schedule.campaign)).bind(2, text(when)).bind(3, text(body)).run();
        if (!st) return st;
        for (const auto& job : new_jobs) {
            st = insert_job(job, false);
            if (!st) return st;
        }
        return ok_status();
    });
}

Status GatewayStore::remove_schedule(const std::string& campaign) {
    return db_->transaction([&]() -> Status {
        for (auto sql : {"DELETE FROM jobs WHERE campaign = ?1", "DELETE FROM schedules WHERE campaign = ?1",
                         "DELETE FROM job_attempts WHERE campaign = ?1", "DELETE FROM job_requests WHERE campaign = ?1",
                         "DELETE FROM fanout_marks WHERE campaign = ?1", "DELETE FROM job_install WHERE campaign = ?1",
                         "DELETE FROM job_timers WHERE campaign = ?1"}) {
            auto s = db_->prepare(sql);
            if (!s) return s.error();
            auto st = s->bind(1, text(campaign)).run();
            if (!st) return st;
        }
        return ok_status();
    });
}

Expected<std::vector<Schedule>> GatewayStore::load_schedules() {
    auto s = db_->prepare("SELECT campaign, body FROM schedules ORDER BY campaign");
    if (!s) return s.error();
    std::vector<Schedule> out;
    while (true) {
        auto row = s->step();
        if (!row) return row.error();
        if (!*row) break;
        auto sched = decode_schedule(s->text(1));
        if (!sched) return sched.error().with_context("stored schedule " + s->text(0));
        out.push_back(std::move(*sched));
    }
    return out;
}

Status GatewayStore::insert_job(const JobRow& j, bool replace) {
    auto s = db_->prepare(std::string(replace ? "INSERT OR REPLACE" : "INSERT OR IGNORE") +
                          " INTO jobs (campaign, device, model, fw_ids, necessity, update_at, state, comment,"
                          " progress, started_at, ended_at, firmware)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    if (!s) return s.error();
    auto fw_ids = join_ids(j.fw_ids);
    auto update_at = format_time(j.update_at);
    auto firmware = versions_text(j.firmware);
    s->bind(1, text(j.campaign))
        .bind(2, text(j.device))
        .bind(3, text(j.model))
        .bind(4, text(fw_ids))
        .bind(5, std::string_view(j.necessary ? "YES" : "NO"))
        .bind(6, text(update_at))
        .bind(7, to_string(j.state))
        .bind(8, text(j.comment))
        .bind(9, static_cast<std::int64_t>(j.progress))
        .bind(10, time_text(j.started_at))
        .bind(11, time_text(j.ended_at))
        .bind(12, text(firmware));
    auto st = s->run();
    if (!st || (j.applied_requests.empty() && j.cancel_pending.empty())) return st;
    // Kept in their own table so the jobs table of older gateways stays as it was.
    auto r = db_->prepare(
        "INSERT OR REPLACE INTO job_requests (campaign, device, applied, cancel_pending) VALUES (?1, ?2, ?3, ?4)");
    if (!r) return r.error();
    auto applied = join_ids(j.applied_requests);
    return r->bind(1, text(j.campaign))
        .bind(2, text(j.device))
        .bind(3, text(applied))
        .bind(4, text(j.cancel_pending))
        .run();
}

Status GatewayStore::write_job(const JobRow& job) {
    auto st = insert_job(job, true);
    if (!st) return st;
    st = save_attempts(job);
    if (!st) return st;
    return save_timers(job);
}

Status GatewayStore::save_job(const JobRow& job) {
    return db_->transaction([&]() -> Status { return write_job(job); });
}

Status GatewayStore::save_jobs(const std::vector<const JobRow*>& jobs) {
    if (jobs.empty()) return ok_status();
    return db_->transaction([&]() -> Status {
        for (const auto* job : jobs) {
            auto st = write_job(*job);
            if (!st) return st;
        }
        return ok_status();
    });
}

Expected<std::vector<JobRow>> GatewayStore::load_jobs() {
    auto s = db_->prepare(
        "SELECT campaign, device, model, fw_ids, necessity, update_at, state, comment, progress, started_at,"
        " ended_at, firmware FROM jobs ORDER BY campaign, device");
    if (!s) return s.error();
    std::vector<JobRow> out;
    while (true) {
        auto row = s->step();
        if (!row) return row.error();
        if (!*row) break;
        JobRow j;
        j.campaign = s->text(0);
        j.device = s->text(1);
        j.model = s->text(2);
        j.fw_ids = split_ids(s->text(3));
        j.necessary = s->text(4) == "YES";
        auto ua = parse_time(s->text(5));
        if (!ua) return ua.error().with_context("stored job " + j.campaign + "/" + j.device);
        j.update_at = *ua;
        auto state = job_state_from_string(s->text(6));
        if (!state) return state.error().with_context("stored job " + j.campaign + "/" + j.device);
        j.state = *state;
        j.comment = s->text(7);
        j.progress = static_cast<std::uint32_t>(s->int64(8));
        j.started_at = time_from(*s, 9);
        j.ended_at = time_from(*s, 10);
        j.firmware = versions_from_text(s->text(11));
        out.push_back(std::move(j));
    }
    auto st = load_attempts(out);
    if (!st) return st.error();
    st = load_timers(out);
    if (!st) return st.error();
    auto r = db_->prepare("SELECT campaign, device, applied, cancel_pending FROM job_requests");
    if (!r) return r.error();
    while (true) {
        auto row = r->step();
        if (!row) return row.error();
        if (!*row) break;
        for (auto& j : out) {
            if (j.campaign != r->text(0) || j.device != r->text(1)) continue;
            j.applied_requests = split_ids(r->text(2));
            j.cancel_pending = r->text(3);
        }
    }
    return out;
}

Status GatewayStore::save_device(const DeviceState& d) {
    auto s =
        db_->prepare("INSERT OR REPLACE INTO devices (id, model, status, firmware, at) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!s) return s.error();
    auto firmware = versions_text(d.firmware);
    auto at = format_time(d.at);
    return s->bind(1, text(d.device))
        .bind(2, text(d.model))
        .bind(3, to_string(d.status))
        .bind(4, text(firmware))
        .bind(5, text(at))
        .run();
}

Expected<std::vector<DeviceState>> GatewayStore::load_devices() {
    auto s = db_->prepare("SELECT id, model, status, firmware, at FROM devices ORDER BY id");
    if (!s) return s.error();
    std::vector<DeviceState> out;
    while (true) {
        auto row = s->step();
        if (!row) return row.error();
        if (!*row) break;
        DeviceState d;
        d.device = s->text(0);
        d.model = s->text(1);
        auto status = device_status_from_string(s->text(2));
        if (!status) return status.error().with_context("stored device " + d.device);
        d.status = *status;
        d.firmware = versions_from_text(s->text(3));
        auto at = parse_time(s->text(4));
        if (at) d.at = *at;
        out.push_back(std::move(d));
    }
    return out;
}

}  // namespace fleetcast::gateway
