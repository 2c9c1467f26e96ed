#include "manager/cli/request_client.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "common/broker_identity.hpp"
#include "common/topics.hpp"

namespace fleetcast::cli {

std::string make_client_id() {
    char buf[48];
    std::snprintf(buf, sizeof buf, "cli-%d-%08x", static_cast<int>(::getpid()),
                  static_cast<unsigned>(std::random_device{}()));
    return buf;
}

RequestClient::RequestClient(MqttOptions options, std::chrono::milliseconds timeout)
    : timeout_(timeout), client_id_(options.client_id), queue_(1024), session_(std::move(options), queue_) {}

RequestClient::~RequestClient() {
    queue_.close();  // first: a receive thread waiting on a full queue lets go of Paho's lock
    outbox_.flush_and_stop();
    session_.stop();
}

Expected<std::unique_ptr<RequestClient>> RequestClient::connect(MqttOptions options,
                                                                std::chrono::milliseconds timeout) {
    options.client_id = make_client_id();
    options.clean_session = true;
    options.will_topic.reset();
    // Requests go to mgr/req/{identity}/{client}: the broker's ACL lets an
    // operator write only under its own identity (issue 19 item 3, the audit log).
    auto identity = broker_identity(options);
    if (!identity) return identity.error();
    std::unique_ptr<RequestClient> c(new RequestClient(std::move(options), timeout));
    c->identity_ = std::move(*identity);
    // Subscribed before connecting: the session subscribes on connect, ahead of any request.
    // Answers come back under the same identity: the ACL lets us read only those.
    auto st = c->session_.subscribe(topics::manager_response(c->identity_, c->client_id_));
    if (st) st = c->session_.subscribe(topics::manager_state());
    if (st) st = c->session_.start();
    if (st) st = c->session_.wait_connected(timeout);
    if (!st) return st.error();
    // A request is not retained: sent before the manager subscribed, it would
    // be lost. The manager's retained state says when it listens.
    st = c->wait_manager_online();
    if (!st) return st.error();
    return c;
}

Status RequestClient::wait_manager_online() {
    // The manager's state is retained (its will says offline): the broker hands
    // it over right after the subscription. No state at all within a few
    // seconds, or an offline one not replaced within a second, means the
    // manager is down: say so at once instead of waiting the whole --timeout.
    constexpr auto kNoStateWait = std::chrono::milliseconds(3000);
    constexpr auto kOfflineGrace = std::chrono::milliseconds(1000);
    const auto start = std::chrono::steady_clock::now();
    auto deadline = start + std::min(timeout_, kNoStateWait);
    const auto state_topic = topics::manager_state();
    bool seen = false;
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        auto event = queue_.pop_for(left);
        if (!event || event->kind != MqttEvent::Kind::Message || event->topic != state_topic) continue;
        note_manager_state(*event);
        auto state = decode_process_state(event->payload);
        if (state && state->online) return ok_status();
        if (!seen) deadline = std::min(deadline, std::chrono::steady_clock::now() + kOfflineGrace);
        seen = true;
    }
    return make_error("manager_down", seen ? "the manager is down (its retained state on " + state_topic +
                                                 " says offline); start fleetcast-manager or check --broker"
                                           : "no manager on this broker (no state on " + state_topic +
                                                 "); is fleetcast-manager running?");
}

Expected<OperatorResponse> RequestClient::request(const std::string& op, const Json& args) {
    OperatorRequest req;
    req.req_id = "r-" + std::to_string(::getpid()) + "-" + std::to_string(next_request_++);
    req.op = op;
    req.args = args.empty() ? Json::object() : Json(cJSON_Duplicate(args.get(), 1));
    const auto reply_topic = topics::manager_response(identity_, client_id_);
    if (!reply_topic) return reply_topic.error();
    auto st = out_.publish(topics::manager_request(identity_, client_id_), encode(req));
    if (!st) return st.error();
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        auto event = queue_.pop_for(left);
        if (!event || event->kind != MqttEvent::Kind::Message) continue;
        note_manager_state(*event);
        if (event->topic != *reply_topic) continue;
        auto resp = decode_operator_response(event->payload);
        if (resp && resp->req_id == req.req_id) return resp;
    }
    // Say what is known rather than guess: a busy manager is not a missing one.
    char waited[32];
    std::snprintf(waited, sizeof waited, "%.1f", static_cast<double>(timeout_.count()) / 1000.0);
    return make_error("timeout", "no answer yet to " + op + " (" + req.req_id + ") after " + waited + " s; " +
                                     manager_state_text() + " (raise --timeout to wait longer)");
}

void RequestClient::note_manager_state(const MqttEvent& event) {
    if (event.topic != topics::manager_state()) return;
    if (auto s = decode_process_state(event.payload)) manager_state_ = std::move(*s);
}

std::string RequestClient::manager_state_text() const {
    const auto topic = topics::manager_state();
    if (!manager_state_) return "no retained manager state on " + topic;
    const auto& s = *manager_state_;
    std::string text = "the manager's retained state on " + topic + " says " + (s.online ? "online" : "offline");
    // `at` is when the manager last published it (it does on connecting and as its counters move).
    if (s.at != TimePoint{}) text += ", published " + format_time(s.at);
    return text + " (manager " + s.id + ")";
}

}  // namespace fleetcast::cli
