// fleetcast-gateway: options, the MQTT session and the one event loop.
#include <algorithm>
#include <csignal>
#include <iostream>
#include <memory>
#include <sstream>

#include <boost/program_options.hpp>

#include "common/atomic_file.hpp"
#include "common/blocking_queue.hpp"
#include "common/ids.hpp"
#include "common/connection_options.hpp"
#include "common/log.hpp"
#include "common/manifest_signing.hpp"
#include "common/mqtt_session.hpp"
#include "common/outbox_transport.hpp"
#include "common/topics.hpp"
#include "gateway/gateway.hpp"

namespace po = boost::program_options;
using namespace fleetcast;

namespace {
volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

Expected<LogLevel> parse_level(const std::string& s) {
    if (s == "debug") return LogLevel::Debug;
    if (s == "info") return LogLevel::Info;
    if (s == "warn") return LogLevel::Warn;
    if (s == "error") return LogLevel::Error;
    return make_error("bad_value", "log level must be debug, info, warn or error");
}

int fail(const std::string& message) {
    std::cerr << "fleetcast-gateway: " << message << "\n";
    return 2;
}
}  // namespace

int main(int argc, char** argv) {
    std::string id, broker, state_dir, ready_timeout, log_level, client_id, defer_period, answer_timeout;
    std::vector<std::string> trust_keys;
    std::uint32_t fetch_window = 32, fanout_window = 64;
    double time_scale = 1.0;
    std::string time_origin;
    bool no_probe = false;
    MqttOptions mqtt;
    po::options_description desc("fleetcast-gateway options");
    desc.add_options()("help,h", "show this help")
        ("id", po::value(&id)->required(), "gateway id (also the site in topics)")
        ("broker", po::value(&broker)->default_value("tcp://127.0.0.1:1883"), "MQTT broker URI")
        ("state-dir", po::value(&state_dir)->required(), "directory for gateway.db and cache/")
        ("fetch-window", po::value(&fetch_window)->default_value(32), "chunks requested from the manager at a time")
        ("fanout-window", po::value(&fanout_window)->default_value(64), "unacknowledged chunk publishes to devices")
        ("ready-timeout", po::value(&ready_timeout)->default_value("3s"), "wait for ready answers before fan-out")
        ("defer-period", po::value(&defer_period)->default_value("20m"),
         "how much later a busy/blocked/unanswering device or a defer without --by moves the update time")
        ("answer-timeout", po::value(&answer_timeout)->default_value("10s"),
         "no answer to a communication request within this -> \"no response\", retried after --defer-period")
        ("log-level", po::value(&log_level)->default_value("info"), "debug, info, warn or error")
        ("client-id", po::value(&client_id), "MQTT client id (default gw-<id>)")
        ("trust-key", po::value(&trust_keys)->required(),
         "the manager's Ed25519 public key (PEM): manifests must verify; repeat it to trust two keys while rotating")
        ("time-scale", po::value(&time_scale)->default_value(1.0), "schedule seconds per real second (demos)")
        ("time-origin", po::value(&time_origin), "ISO-8601 instant where scaled and real time agree (give every program the same)")
        ("no-rate-probe", po::bool_switch(&no_probe), "never probe a link that has no measured rate yet");
    add_connection_options(desc, mqtt);
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, desc), vm);
        if (vm.count("help")) {
            std::cout << desc << "\n";
            return 0;
        }
        po::notify(vm);
    } catch (const std::exception& e) {
        return fail(std::string(e.what()) + "\n" + [&] { std::ostringstream o; o << desc; return o.str(); }());
    }

    auto level = parse_level(log_level);
    if (!level) return fail(level.error().message);
    set_log_level(*level);
    if (auto st = validate_id(id, "gateway"); !st) return fail(st.error().message);
    auto timeout = parse_duration(ready_timeout);
    if (!timeout) return fail("--ready-timeout: " + timeout.error().message);
    auto period = parse_duration(defer_period);
    if (!period || period->count() <= 0) return fail("--defer-period must be a positive duration like 20m");
    auto answer = parse_duration(answer_timeout);
    if (!answer || answer->count() <= 0) return fail("--answer-timeout must be a positive duration like 10s");
    if (fetch_window == 0 || fanout_window == 0) return fail("windows must be at least 1");
    if (time_scale <= 0) return fail("--time-scale must be positive");
    if (auto st = ensure_dir(state_dir); !st) return fail(st.error().str());

    auto store = gateway::GatewayStore::open(std::filesystem::path(state_dir) / "gateway.db");
    if (!store) return fail(store.error().str());

    std::unique_ptr<Clock> clock;
    if (time_scale == 1.0) {
        clock = std::make_unique<SystemClock>();
    } else if (!time_origin.empty()) {
        auto origin = parse_time(time_origin);
        if (!origin) return fail("--time-origin: " + origin.error().message);
        clock = std::make_unique<ScaledClock>(time_scale, *origin);
    } else {
        clock = std::make_unique<ScaledClock>(time_scale);
    }
    // Protocol timeouts are real durations: in schedule time they are K times longer.
    auto scaled = [&](Millis real) { return Millis{static_cast<Millis::rep>(static_cast<double>(real.count()) * time_scale)}; };

    gateway::GatewayConfig config;
    config.id = id;
    config.state_dir = state_dir;
    config.fetch_window = fetch_window;
    config.fanout_window = fanout_window;
    config.ready_timeout = scaled(*timeout);
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

    BlockingQueue<MqttEvent> queue(4096);
    mqtt.uri = broker;
    mqtt.client_id = client_id.empty() ? "gw-" + id : client_id;
    mqtt.max_inflight = static_cast<int>(std::max<std::uint32_t>(256, fanout_window + 64));
    mqtt.will_topic = topics::gw_state(id);
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
    gateway::Gateway gw(config, transport, *clock, **store);

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    if (auto st = session.start(); !st) return fail(st.error().str());
    if (auto st = gw.start(); !st) {
        session.stop();
        return fail(st.error().str());
    }
    while (!g_stop) {
        if (auto event = queue.pop_for(std::chrono::milliseconds(50))) gw.handle(*event);
        gw.tick();
    }
    log_info("gateway", "stopping").kv("gateway", id);
    gw.stop();
    outbox.flush_and_stop();
    queue.close();  // unblocks a Paho thread waiting on a full queue
    session.stop(encode(gw.process_state(false)));
    return 0;
}
