// fleetcast-manager: the managing apparatus. Options here; logic in Manager.
#include <boost/program_options.hpp>
#include <iostream>

#include "common/blocking_queue.hpp"
#include "common/clock.hpp"
#include "common/connection_options.hpp"
#include "common/held_executor.hpp"
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
#include "common/worker_thread.hpp"
#include "manager/manager.hpp"
#include "manager/manager_metrics.hpp"

namespace po = boost::program_options;
using namespace fleetcast;

int main(int argc, char** argv) {
    MqttOptions mqtt;
    manager::ManagerConfig config;
    std::string state_dir, log_level, signing_key, validity = "30d", metrics_listen, upload_expiry = "24h",
                                                   delta_hold_file;
    double time_scale = 1.0;
    std::string time_origin;
    po::options_description opts("fleetcast-manager options");
    opts.add_options()("help,h", "show this help")(
        "broker", po::value(&mqtt.uri)->default_value("tcp://127.0.0.1:1883"),
        "MQTT broker URI (tcp:// or ssl://), or several separated by commas (a cluster's nodes, tried in turn)")(
        "state-dir", po::value(&state_dir)->required(), "directory for manager.db and images/")(
        "id", po::value(&config.id)->default_value("manager"), "MQTT client id of the manager")(
        "signing-key", po::value(&signing_key)->required(),
        "Ed25519 private key (PEM, from `fleetcast keygen`) that signs every manifest")(
        "manifest-validity", po::value(&validity)->default_value("30d"),
        "how long a manifest signature stays valid (devices refuse expired manifests)")(
        "max-upload-size", po::value(&config.max_upload_size)->default_value(config.max_upload_size),
        "largest image, in bytes, an operator may upload over MQTT (fleetcast firmware add)")(
        "upload-expiry", po::value(&upload_expiry)->default_value(upload_expiry),
        "an upload nobody continued for this long is removed with what it received (0: never)")(
        "page-limit", po::value(&config.page_limit)->default_value(config.page_limit),
        "most rows per page of results and targets, 1-5000 (clients ask page after page)")(
        "metrics-listen", po::value(&metrics_listen),
        "serve Prometheus metrics at http://HOST:PORT/metrics (HOST:PORT, [v6]:PORT or :PORT; off when not given)")(
        "delta-hold-file", po::value(&delta_hold_file),
        "for tests: the delta worker waits before each delta while this file exists (the loop does not)");
    add_log_level_option(opts, log_level);
    add_time_options(opts, time_scale, time_origin);
    add_connection_options(opts, mqtt);
    add_config_option(opts);
    po::variables_map vm;
    OptionSources sources;
    if (auto done = parse_program_options("fleetcast-manager", argc, argv, opts, vm, &sources)) return *done;
    auto level = parse_log_level(log_level);
    auto made_clock = make_clock(time_scale, time_origin);
    if (!level || !made_clock) {
        std::cerr << "fleetcast-manager: "
                  << sources.explain(level ? made_clock.error().message : level.error().message) << '\n';
        return 2;
    }
    set_log_level(*level);
    std::unique_ptr<Clock> clock = std::move(*made_clock);
    config.state_dir = state_dir;
    auto key = SigningKey::load(signing_key);
    auto valid_for = parse_duration(validity);
    auto expiry = parse_duration(upload_expiry);
    if (!expiry || expiry->count() < 0) {
        std::cerr << "fleetcast-manager: " << sources.explain("bad --upload-expiry " + upload_expiry) << "\n";
        return 2;
    }
    config.upload_expiry = *expiry;
    if (!key || !valid_for || valid_for->count() <= 0) {
        std::cerr << "fleetcast-manager: "
                  << sources.explain(key ? "bad --manifest-validity" : "--signing-key: " + key.error().str()) << "\n";
        return 2;
    }
    std::optional<ListenAddress> metrics_at;
    if (!metrics_listen.empty()) {
        auto at = parse_listen_address(metrics_listen);
        if (!at) {
            std::cerr << "fleetcast-manager: " << sources.explain(at.error().message) << '\n';
            return 2;
        }
        metrics_at = *at;
    }
    if (config.page_limit == 0 || config.page_limit > kResultsPageMax) {
        std::cerr << "fleetcast-manager: "
                  << sources.explain("--page-limit must be 1-" + std::to_string(kResultsPageMax)) << '\n';
        return 2;
    }
    config.signing_key = std::make_shared<const SigningKey>(std::move(*key));
    config.manifest_validity = *valid_for;
    config.state_interval =
        Millis{static_cast<Millis::rep>(static_cast<double>(config.state_interval.count()) * time_scale)};

    // Issue 17 follow-up: deltas are made on this thread, never on the loop
    // (one thread: each delta takes a core for seconds; bounded queue).
    WorkerThread delta_worker(2 * manager::CampaignPreparer::kMaxSubmitted, "fc-deltas");
    HeldExecutor held_worker(delta_worker, delta_hold_file);
    config.delta_executor = delta_hold_file.empty() ? static_cast<Executor*>(&delta_worker) : &held_worker;

    BlockingQueue<MqttEvent> queue(10000);
    mqtt.client_id = config.id;
    mqtt.clean_session = false;
    mqtt.will_topic = topics::manager_state();
    mqtt.will_payload = encode(ProcessState{"manager", config.id, false, clock->now(), {}});
    MqttSession session(mqtt, queue);
    // Operator requests on a connection of their own (client id {id}.ops, same
    // credentials, no will: mgr/state stays with the main one), on the urgent
    // lane of the queue: an answer never waits behind fetches and chunks.
    MqttOptions ops_mqtt = mqtt;
    ops_mqtt.client_id = config.id + ".ops";
    ops_mqtt.will_topic.reset();
    ops_mqtt.max_inflight = 64;
    MqttSession ops_session(ops_mqtt, queue, manager::Manager::kOpsTag, true);
    // The loop never calls Paho itself (see common/outbox_transport.hpp); each
    // connection has its own outbox, so a response is not queued behind chunks.
    Outbox outbox, ops_outbox;
    OutboxTransport transport(outbox, session);
    OutboxTransport ops_transport(ops_outbox, ops_session);
    auto opened = manager::Manager::open(transport, *clock, config);
    if (!opened) {
        log_error("manager", "open_failed").kv("state_dir", state_dir).kv("error", opened.error().str());
        return 1;
    }
    manager::Manager& mgr = **opened;
    mgr.set_ops_transport(ops_transport);
    // --metrics-listen: the HTTP thread only asks; the loop renders (tick).
    WireCounts wire;
    manager::ManagerMetrics metrics(mgr, *clock);
    auto render_metrics = [&] {
        auto families = metrics.families();
        for (auto& f : connection_families("fleetcast_manager", wire, transport, queue.size()))
            families.push_back(std::move(f));
        return metrics_exposition(families);
    };
    MetricsBoard metrics_board;
    std::unique_ptr<MetricsServer> metrics_server;
    if (metrics_at) {
        auto started = MetricsServer::start(*metrics_at, metrics_board, "manager");
        if (!started) {
            std::cerr << "fleetcast-manager: " << sources.explain("--metrics-listen: " + started.error().message)
                      << '\n';
            return 2;
        }
        metrics_server = std::move(*started);
    }

    const auto& stop = stop_on_signals();
    auto st = session.start();
    if (st) st = ops_session.start();
    if (st) st = mgr.start();
    if (!st) {
        log_error("manager", "start_failed").kv("broker", mqtt.uri).kv("error", st.error().str());
        return 1;
    }
    // Up to 256 queued gateway messages per turn share one transaction (issue 20).
    run_loop_turns(
        queue, stop, std::chrono::milliseconds(100), 256,
        [&](const std::vector<MqttEvent>& events) {
            for (const auto& e : events) wire.received(e);
            mgr.handle_turn(events);
        },
        [&] {
            mgr.tick();
            serve_metrics(metrics_board, render_metrics);
        });
    log_info("manager", "stopping").kv("id", config.id);
    metrics_server.reset();
    outbox.flush_and_stop();
    ops_outbox.flush_and_stop();
    queue.close();  // unblocks a Paho thread waiting on a full queue
    ops_session.stop();
    session.stop(mgr.state_payload(false));
    return 0;
}
