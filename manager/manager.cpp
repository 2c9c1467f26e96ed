#include "manager/manager.hpp"

#include "common/atomic_file.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"
#include "common/topics.hpp"
#include "manager/gateway_windows.hpp"
#include "manager/probe_responder.hpp"

namespace fleetcast::manager {

namespace {

constexpr auto kStateInterval = std::chrono::seconds(1);
// How often abandoned uploads are looked for (and at every start).
constexpr auto kUploadSweepInterval = std::chrono::minutes(10);

// Storage and I/O failures are ours; everything else is the sender's fault.
bool is_internal(const Error& e) {
    return e.code == "db" || e.code == "io" || e.code == "mqtt" || e.code == "internal";
}

// The req_id of a request that failed to decode, when it has a usable one.
std::string salvage_req_id(const std::string& payload) {
    auto j = Json::parse(payload, 1024 * 1024);
    if (!j) return "invalid";
    auto id = json::get_id(j->get(), "req_id", "request");
    return id ? *id : "invalid";
}

}  // namespace

Expected<std::unique_ptr<Manager>> Manager::open(Transport& transport, Clock& clock, const ManagerConfig& config) {
    auto st = validate_id(config.id, "manager");
    if (!st) return st.error();
    if (!config.signing_key) return make_error("bad_config", "the manager needs a signing key (--signing-key)");
    if (config.manifest_validity.count() <= 0) return make_error("bad_config", "manifest validity must be positive");
    st = ensure_dir(config.state_dir / "images");
    if (!st) return st.error();
    auto store = ManagerStore::open(config.state_dir / "manager.db");
    if (!store) return store.error();
    return std::unique_ptr<Manager>(new Manager(transport, clock, config, std::move(*store)));
}

Manager::Manager(Transport& transport, Clock& clock, ManagerConfig config, std::unique_ptr<ManagerStore> store)
    : held_(transport),
      transport_(held_),
      clock_(clock),
      config_(std::move(config)),
      store_(std::move(store)),
      signer_(config_.signing_key, config_.manifest_validity),
      repo_(*store_, clock_, config_.state_dir / "images", signer_),
      uploads_(config_.state_dir / "uploads", config_.max_upload_size),
      schedules_(transport_, *store_, clock_, signer_),
      reconciler_(*store_, schedules_, transport_, clock_, counters_),
      chunks_(transport_, repo_, *store_, counters_),
      control_(*store_, schedules_, transport_, clock_),
      preparer_(*store_, repo_, config_.delta_executor ? *config_.delta_executor : inline_executor_, schedules_,
                clock_),
      guard_(*store_, control_, clock_),
      waves_(*store_, schedules_, clock_),
      reports_(*store_, schedules_, reconciler_, control_, guard_, waves_, clock_),
      api_(*store_, repo_, uploads_, schedules_, control_, preparer_, transport_, clock_, config_.page_limit),
      pushes_(*store_, repo_, chunks_, clock_) {
    for (const char* name : {"bad_input", "requests", "fetches", "reports"}) counters_.add(name, 0);
}

Status Manager::start() {
    // gw/+/schedule/+: the manager watches the schedules it retains (R27).
    for (const auto& filter :
         {topics::gw_fetch_filter(), topics::gw_report_filter(), topics::gw_state_filter(), topics::gw_probe_filter(),
          topics::gw_schedule_all_filter(), topics::manager_state()}) {  // our own retained state (OwnRetained)
        auto st = transport_.subscribe(filter);
        if (!st) return st;
    }
    auto sub = ops().subscribe(topics::manager_request_filter());
    if (!sub) return sub;
    // The retained "online" state goes out on the Connected event, after the
    // session has (re)subscribed: published here, while connecting, Paho would
    // flush it before those subscriptions, and a gateway or operator reacting
    // to "online" would talk to a manager not yet listening.
    expire_uploads();
    published_counters_ = counters_.snapshot();
    state_published_at_ = clock_.now();
    auto st = schedules_.republish_active();
    if (!st) return st;
    st = GatewayWindows(*store_, transport_, clock_).republish_all();  // issue 16 item 5
    if (!st) return st;
    // Failures reported while the manager was down, or a crash between a report and its check.
    st = guard_.check_all();
    if (!st) return st;
    // Waves (issue 16 item 2): a soak that ended, or a share met, while the manager was down.
    st = waves_.end_canceled_waves();
    if (!st) return st;
    st = waves_.check_all();
    if (!st) return st;
    // Issue 17 follow-up: campaigns that were preparing when the manager stopped go on (half-made files go).
    repo_.remove_stale_temps();
    st = preparer_.poll();
    if (!st) return st;
    log_info("manager", "started").kv("id", config_.id).kv("state_dir", config_.state_dir.string());
    return ok_status();
}

std::string Manager::state_payload(bool online) const {
    ProcessState s;
    s.role = "manager";
    s.id = config_.id;
    s.online = online;
    s.at = clock_.now();
    if (online) s.counters = counters_.snapshot();
    return encode(s);
}

void Manager::publish_state() {
    published_counters_ = counters_.snapshot();
    state_published_at_ = clock_.now();
    auto payload = state_payload(true);
    own_state_.published(payload);
    auto st = transport_.publish(topics::manager_state(), std::move(payload), true);
    if (!st) log_error("manager", "state_publish_failed").kv("error", st.error().str());
}

void Manager::handle(const MqttEvent& event) {
    switch (event.kind) {
        case MqttEvent::Kind::Message: on_message(event); break;
        case MqttEvent::Kind::Connected:
            if (event.tag == kOpsTag) {
                log_info("manager", "ops_connected").kv("id", config_.id).kv("session_lost", event.session_lost);
                break;
            }
            // The broker may have published our will while we were away.
            log_info("manager", "connected").kv("id", config_.id).kv("session_lost", event.session_lost);
            publish_state();
            if (event.session_lost && connected_before_) {
                // A broker that kept no session (restarted without persistence)
                // lost the retained manifests and schedules too: start() published
                // them for the first connection, this is for the later ones.
                auto st = schedules_.republish_active();
                if (st) st = GatewayWindows(*store_, transport_, clock_).republish_all();
                if (!st) {
                    counters_.add("internal_error");
                    log_error("manager", "republish_failed").kv("error", st.error().str());
                } else {
                    log_info("manager", "retained_republished").kv("id", config_.id);
                }
            }
            connected_before_ = true;
            break;
        case MqttEvent::Kind::ConnectionLost: log_warn("manager", "connection_lost").kv("id", config_.id); break;
        case MqttEvent::Kind::Delivered: break;
    }
    chunks_.pump();
}

namespace {
// A gateway's message on the main connection: its effects are stored and sent
// like those of its neighbours in the queue. Operator requests (answered on
// their own connection) and connection events are not.
bool batchable(const MqttEvent& e) { return e.kind == MqttEvent::Kind::Message && e.tag != Manager::kOpsTag; }
}  // namespace

void Manager::handle_turn(const std::vector<MqttEvent>& events) {
    std::size_t i = 0;
    while (i < events.size()) {
        std::size_t j = i;
        while (j < events.size() && batchable(events[j])) ++j;
        if (j - i >= 2) {
            handle_batch(events, i, j);
            i = j;
        } else {
            handle(events[i++]);
        }
    }
}

void Manager::handle_batch(const std::vector<MqttEvent>& events, std::size_t from, std::size_t to) {
    // One COMMIT (one fsync) for the whole batch instead of one per report.
    held_.hold();
    auto st = store_->transaction([&]() -> Status {
        for (std::size_t k = from; k < to; ++k) handle(events[k]);
        return ok_status();
    });
    if (st) {
        st = held_.release();
        if (!st) log_error("manager", "batch_send_failed").kv("events", to - from).kv("error", st.error().str());
        return;
    }
    // Not stored: nothing of it was sent either. Again one by one, each stored on its own (handlers are idempotent).
    held_.drop();
    counters_.add("internal_error");
    log_error("manager", "batch_failed").kv("events", to - from).kv("error", st.error().str());
    for (std::size_t k = from; k < to; ++k) handle(events[k]);
}

void Manager::tick() {
    const auto now = clock_.now();
    if (now - pushes_checked_at_ >= kStateInterval) {
        pushes_checked_at_ = now;
        auto st = pushes_.tick();
        if (!st) {
            counters_.add("internal_error");
            log_error("manager", "push_failed").kv("error", st.error().str());
        }
        // Soaks that ended, and campaigns resumed since: their next wave opens (issue 16 item 2).
        st = waves_.check_all();
        if (!st) {
            counters_.add("internal_error");
            log_error("manager", "wave_check_failed").kv("error", st.error().str());
        }
    }
    if (now - uploads_swept_at_ >= kUploadSweepInterval) expire_uploads();
    // Deltas the worker handed back (issue 17 follow-up), and once a second
    // the preparing campaigns (one resumed by the operator prepares again).
    if (preparer_.has_outcomes() || now - prepared_checked_at_ >= kStateInterval) {
        prepared_checked_at_ = now;
        auto st = preparer_.poll();
        if (!st) {
            counters_.add("internal_error");
            log_error("manager", "prepare_failed").kv("error", st.error().str());
        }
    }
    chunks_.pump();
    // Not before Connected: gateways answer our online state with their devices.
    if (transport_.connected() && now - state_published_at_ >= config_.state_interval &&
        counters_.snapshot() != published_counters_)
        publish_state();
}

void Manager::expire_uploads() {
    uploads_swept_at_ = clock_.now();
    if (config_.upload_expiry.count() <= 0) return;
    for (const auto& e : uploads_.expire(std::filesystem::file_time_type::clock::now(), config_.upload_expiry)) {
        counters_.add("uploads_expired");
        log_info("manager", "upload_expired")
            .kv("upload", e.upload)
            .kv("received", e.held)
            .kv("idle_s", std::chrono::duration_cast<std::chrono::seconds>(e.idle).count());
    }
}

void Manager::reject(const std::string& counter, const std::string& topic, const Error& e) {
    // The topic names the sender (gateway or operator client).
    if (is_internal(e)) {
        counters_.add("internal_error");
        log_error("manager", "internal_error")
            .kv("topic", topic)
            .kv("error", e.str())
            .kv("count", counters_.get("internal_error"));
        return;
    }
    counters_.add("bad_input");
    counters_.add(counter);
    log_warn("manager", "bad_input")
        .kv("kind", counter)
        .kv("topic", topic)
        .kv("error", e.str())
        .kv("count", counters_.get("bad_input"));
}

void Manager::on_message(const MqttEvent& event) {
    auto parsed = topics::parse_topic(event.topic);
    if (!parsed) return reject("bad_topic", event.topic, parsed.error());
    const auto& p = *parsed;
    switch (p.kind) {
        case topics::Kind::ManagerRequest:
            counters_.add("requests");
            return on_request(p.identity, p.client, event.topic, event.payload);
        case topics::Kind::GwFetch: {
            counters_.add("fetches");
            auto st = chunks_.on_fetch(p.gateway, event.payload);
            if (!st) reject("bad_fetch", event.topic, st.error());
            return;
        }
        case topics::Kind::GwReport: {
            counters_.add("reports");
            auto st = reports_.on_report(p.gateway, event.payload);
            if (!st) reject("bad_report", event.topic, st.error());
            return;
        }
        case topics::Kind::GwProbe: {
            auto st = answer_probe(transport_, p.gateway, event.payload);
            if (!st) reject("bad_probe", event.topic, st.error());
            return;
        }
        case topics::Kind::GwState: {
            auto st = reports_.on_gateway_state(p.gateway, event.payload);
            if (!st) reject("bad_report", event.topic, st.error());
            return;
        }
        case topics::Kind::ManagerState:
            if (!own_state_.foreign(event.payload)) return;
            // Cleared by a stranger, or lost by the broker: ours again.
            counters_.add("state_restored");
            log_warn("manager", "state_restored")
                .kv("id", config_.id)
                .kv("found", event.payload.empty() ? "empty" : "foreign");
            return publish_state();
        case topics::Kind::GwSchedule: {
            auto st = reconciler_.on_schedule_seen(p.gateway, p.campaign, event.payload);
            if (!st) reject("bad_schedule", event.topic, st.error());
            return;
        }
        default:
            return reject("bad_topic", event.topic,
                          make_error("bad_topic", "the manager does not take messages on this topic"));
    }
}

void Manager::on_request(const std::string& identity, const std::string& client, const std::string& topic,
                         const std::string& payload) {
    OperatorResponse resp;
    auto req = decode_operator_request(payload);
    if (!req) {
        resp.req_id = salvage_req_id(payload);
        resp.error = "bad request: " + req.error().message;
        resp.code = req.error().code;
        reject("bad_request", topic, req.error());
    } else {
        resp.req_id = req->req_id;
        auto data = api_.handle(*req, identity, client);
        if (data) {
            resp.ok = true;
            resp.data = std::move(*data);
            log_info("manager", "request")
                .kv("identity", identity)
                .kv("client", client)
                .kv("req", req->req_id)
                .kv("op", req->op);
        } else {
            resp.error = data.error().message;
            resp.code = data.error().code;
            reject("bad_request", topic, data.error().with_context("op " + req->op + " req " + req->req_id));
        }
    }
    // Under the identity the broker pinned in the request's topic: the ACL lets
    // each operator read only mgr/resp/{its identity}/+, not another's answers.
    auto st = ops().publish(topics::manager_response(identity, client), encode(resp));
    if (!st)
        log_error("manager", "response_publish_failed")
            .kv("identity", identity)
            .kv("client", client)
            .kv("error", st.error().str());
}

}  // namespace fleetcast::manager
