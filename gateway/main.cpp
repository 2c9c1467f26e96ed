// fleetcast-gateway: options, the MQTT session and the one event loop.
#include <algorithm>
#include <iostream>
#include <memory>
#include <sstream>

#include <boost/program_options.hpp>

#include "common/atomic_file.hpp"
#include "common/blocking_queue.hpp"
#include "common/connection_options.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"
#include "common/manifest_signing.hpp"
#include "common/metrics_server.hpp"
#include "common/metrics_text.hpp"
#include "common/mqtt_session.hpp"
#include "common/outbox_transport.hpp"
#include "common/program_options.hpp"
#include "common/program_start.hpp"
#include "common/topics.hpp"
#include "common/wire_counts.hpp"
#include "gateway/gateway.hpp"
#include "gateway/gateway_metrics.hpp"

namespace po = boost::program_options;
using namespace fleetcast;

int main(int argc, char** argv) {
    std::string id, broker, state_dir, ready_timeout, ready_max_wait, log_level, client_id, defer_period,
        answer_timeout, metrics_listen;
    std::string digest_interval = "60s";
    std::vector<std::string> trust_keys;
    std::uint32_t fetch_window = 32, fanout_window = 64;
    double time_scale = 1.0;
    std::string time_origin;
    bool no_probe = false;
    MqttOptions mqtt;
    po::options_description desc("fleetcast-gateway options");
    desc.add_options()("help,h", "show this help")("id", po::value(&id)->required(),
                                                   "gateway id (also the site in topics)")(
        "broker", po::value(&broker)->default_value("tcp://127.0.0.1:1883"),
        "MQTT broker URI, or the URIs of a cluster's nodes separated by commas (tried in turn)")(
        "state-dir", po::value(&state_dir)->required(), "directory for gateway.db and cache/")(
        "fetch-window", po::value(&fetch_window)->default_value(32), "chunks requested from the manager at a time")(
        "fanout-window", po::value(&fanout_window)->default_value(64), "unacknowledged chunk publishes to devices")(
        "ready-timeout", po::value(&ready_timeout)->default_value("3s"),
        "fan out once no device answered ready for this long (or all answered)")(
        "ready-max-wait", po::value(&ready_max_wait)->default_value("30s"),
        "fan out at the latest this long after the first offer")(
        "defer-period", po::value(&defer_period)->default_value("20m"),
        "how much later a busy/blocked/unanswering device or a defer without --by moves the update time")(
        "answer-timeout", po::value(&answer_timeout)->default_value("10s"),
        "no answer to a communication request within this -> \"no response\", retried after --defer-period")(
        "digest-interval", po::value(&digest_interval)->default_value("60s"),
        "how often the gateway tells the manager what it holds (digest report, R27), real time")(
        "client-id", po::value(&client_id), "MQTT client id (default gw-<id>)")(
        "trust-key", po::value(&trust_keys)->required(),
        "the manager's Ed25519 public key (PEM): manifests must verify; repeat it to trust two keys while rotating")(
        "no-rate-probe", po::bool_switch(&no_probe), "never probe a link that has no measured rate yet")(
        "metrics-listen", po::value(&metrics_listen),
        "serve Prometheus metrics at http://HOST:PORT/metrics (HOST:PORT, [v6]:PORT or :PORT; off when not given)");
    add_log_level_option(desc, log_level);
    add_time_options(desc, time_scale, time_origin);
    add_connection_options(desc, mqtt);
    add_config_option(desc);
    po::variables_map vm;
    OptionSources sources;
    if (auto done = parse_program_options("fleetcast-gateway", argc, argv, desc, vm, &sources)) return *done;
    auto fail = [&](const std::string& message) {
        std::cerr << "fleetcast-gateway: " << sources.explain(message) << "\n";
        return 2;
    };

    auto level = parse_log_level(log_level);
    if (!level) return fail(level.error().message);
    set_log_level(*level);
    if (auto st = validate_id(id, "gateway"); !st) return fail("--id: " + st.error().message);
    auto timeout = parse_duration(ready_timeout);
    if (!timeout) return fail("--ready-timeout: " + timeout.error().message);
    auto max_wait = parse_duration(ready_max_wait);
    if (!max_wait || *max_wait < *timeout) return fail("--ready-max-wait must be a duration not below --ready-timeout");
    auto period = parse_duration(defer_period);
    if (!period || period->count() <= 0) return fail("--defer-period must be a positive duration like 20m");
    auto answer = parse_duration(answer_timeout);
    if (!answer || answer->count() <= 0) return fail("--answer-timeout must be a positive duration like 10s");
    auto digest_every = parse_duration(digest_interval);
    if (!digest_every || digest_every->count() <= 0)
        return fail("--digest-interval must be a positive duration like 60s");
    if (fetch_window == 0 || fanout_window == 0) return fail("--fetch-window and --fanout-window must be at least 1");
    auto made_clock = make_clock(time_scale, time_origin);
    if (!made_clock) return fail(made_clock.error().message);
    std::optional<ListenAddress> metrics_at;
    if (!metrics_listen.empty()) {
        auto at = parse_listen_address(metrics_listen);
        if (!at) return fail(at.error().message);
        metrics_at = *at;
    }
    if (auto st = ensure_dir(state_dir); !st) return fail("--state-dir: " + st.error().str());

    auto store = gateway::GatewayStore::open(std::filesystem::path(state_dir) / "gateway.db");
    if (!store) return fail(store.error().str());

    std::unique_ptr<Clock> clock = std::move(*made_clock);
    // Protocol timeouts are real durations: in schedule time they are K times longer.
    auto scaled = [&](Millis real) {
        return Millis{static_cast<Millis::rep>(static_cast<double>(real.count()) * time_scale)};
    };

    gateway::GatewayConfig config;
    config.id = id;
    config.state_dir = state_dir;
    config.fetch_window = fetch_window;
    config.fanout_window = fanout_window;
    config.ready_timeout = scaled(*timeout);
    config.ready_max_wait = scaled(*max_wait);
    config.fetch_retry = scaled(config.fetch_retry);
    config.state_interval = scaled(config.state_interval);
    config.rates.probe = !no_probe;
    config.rates.probe_timeout = scaled(config.rates.probe_timeout);
    config.rates.idle_gap = scaled(config.rates.idle_gap);
    auto keys = TrustKeySet::load({trust_keys.begin(), trust_keys.end()});
    if (!keys) return fail("--trust-key: " + keys.error().str());
    config.trust_keys = std::make_shared<const TrustKeySet>(std::move(*keys));
    config.defer_period = *period;            // a schedule period: not scaled
    config.answer_timeout = scaled(*answer);  // a real wait for the device
    config.digest_interval = scaled(*digest_every);

    BlockingQueue<MqttEvent> queue(4096);
    mqtt.uri = broker;
    mqtt.client_id = client_id.empty() ? "gw-" + id : client_id;
    mqtt.max_inflight = static_cast<int>(std::max<std::uint32_t>(256, fanout_window + 64));
    auto will_topic = topics::gw_state(id);
    if (!will_topic) return fail(will_topic.error().message);
    mqtt.will_topic = *will_topic;
    ProcessState will;
    will.role = "gateway";
    will.id = id;
    will.online = false;
    will.at = clock->now();
    mqtt.will_payload = encode(will);
    MqttSession session(mqtt, queue);
    // The loop never calls Paho itself (see common/outbox_transport.hpp).
    Outbox outbox;
    OutboxTransport transport(outbox, session);
    // What the gateway publishes is counted by link for --metrics-listen.
    WireCounts wire;
    CountingTransport counted(transport, wire);
    gateway::Gateway gw(config, counted, *clock, **store);
    // --metrics-listen: the HTTP thread only asks; the loop renders (tick).
    auto render_metrics = [&] {
        auto families = gw.metric_families();
        for (auto& f : gateway::link_families(wire)) families.push_back(std::move(f));
        for (auto& f : connection_families("fleetcast_gateway", wire, transport, queue.size()))
            families.push_back(std::move(f));
        return metrics_exposition(families);
    };
    MetricsBoard metrics_board;
    std::unique_ptr<MetricsServer> metrics_server;
    if (metrics_at) {
        auto started = MetricsServer::start(*metrics_at, metrics_board, "gateway");
        if (!started) return fail("--metrics-listen: " + started.error().message);
        metrics_server = std::move(*started);
    }

    const auto& stop = stop_on_signals();
    if (auto st = session.start(); !st) return fail(st.error().str());
    if (auto st = gw.start(); !st) {
        session.stop();
        return fail(st.error().str());
    }
    // The periodic work (answer deadlines, fan-out streams, progress flush)
    // walks every job: once per turn of up to 64 queued events, not after
    // each one (issue 20: at 3,000 devices that walk per event was the
    // gateway's main cost while it drained a backlog).
    run_loop_turns(
        queue, stop, std::chrono::milliseconds(50), 64,
        [&](const std::vector<MqttEvent>& events) {
            for (const auto& e : events) {
                wire.received(e);
                gw.handle(e);
            }
        },
        [&] {
            gw.tick();
            serve_metrics(metrics_board, render_metrics);
        });
    log_info("gateway", "stopping").kv("gateway", id);
    metrics_server.reset();
    gw.stop();
    outbox.flush_and_stop();
    queue.close();  // unblocks a Paho thread waiting on a full queue
    session.stop(encode(gw.process_state(false)));
    return 0;
}
