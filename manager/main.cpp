// fleetcast-manager: the managing apparatus. Options here; logic in Manager.
#include <boost/program_options.hpp>
#include <csignal>
#include <iostream>

#include "common/blocking_queue.hpp"
#include "common/clock.hpp"
#include "common/connection_options.hpp"
#include "common/log.hpp"
#include "common/manifest_signing.hpp"
#include "common/mqtt_session.hpp"
#include "common/outbox_transport.hpp"
#include "common/topics.hpp"
#include "manager/manager.hpp"

namespace po = boost::program_options;
using namespace fleetcast;

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
    g_stop = 1;
}

std::optional<LogLevel> parse_level(const std::string& s) {
    if (s == "debug") return LogLevel::Debug;
    if (s == "info") return LogLevel::Info;
    if (s == "warn") return LogLevel::Warn;
    if (s == "error") return LogLevel::Error;
    return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
    MqttOptions mqtt;
    manager::ManagerConfig config;
    std::string state_dir, log_level, signing_key, validity = "30d";
    double time_scale = 1.0;
    std::string time_origin;
    po::options_description opts("fleetcast-manager options");
    opts.add_options()("help,h", "show this help")(
        "broker", po::value(&mqtt.uri)->default_value("tcp://127.0.0.1:1883"), "MQTT broker URI (tcp:// or ssl://)")(
        "state-dir", po::value(&state_dir)->required(), "directory for manager.db and images/")(
        "id", po::value(&config.id)->default_value("manager"), "MQTT client id of the manager")(
        "log-level", po::value(&log_level)->default_value("info"), "debug, info, warn or error")(
        "signing-key", po::value(&signing_key)->required(),
        "Ed25519 private key (PEM, from `fleetcast keygen`) that signs every manifest")(
        "manifest-validity", po::value(&validity)->default_value("30d"),
        "how long a manifest signature stays valid (devices refuse expired manifests)")(
        "time-scale", po::value(&time_scale)->default_value(1.0), "schedule seconds per real second (demos)")(
        "time-origin", po::value(&time_origin),
        "ISO-8601 instant where scaled and real time agree (give every program the same)");
    add_connection_options(opts, mqtt);
    try {
        po::variables_map vm;
        po::store(po::parse_command_line(argc, argv, opts), vm);
        if (vm.count("help")) {
            std::cout << opts << '\n';
            return 0;
        }
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "fleetcast-manager: " << e.what() << "\n" << opts << '\n';
        return 2;
    }
    auto level = parse_level(log_level);
    if (!level || time_scale <= 0) {
        std::cerr << "fleetcast-manager: bad --log-level or --time-scale\n";
        return 2;
    }
    set_log_level(*level);
    config.state_dir = state_dir;
    auto key = SigningKey::load(signing_key);
    auto valid_for = parse_duration(validity);
    if (!key || !valid_for || valid_for->count() <= 0) {
        std::cerr << "fleetcast-manager: " << (key ? "bad --manifest-validity" : key.error().str()) << "\n";
        return 2;
    }
    config.signing_key = std::make_shared<const SigningKey>(std::move(*key));
    config.manifest_validity = *valid_for;

    std::unique_ptr<Clock> clock;
    if (time_scale == 1.0) {
        clock = std::make_unique<SystemClock>();
    } else if (!time_origin.empty()) {
        auto origin = parse_time(time_origin);
        if (!origin) {
            std::cerr << "fleetcast-manager: --time-origin: " << origin.error().message << '\n';
            return 2;
        }
        clock = std::make_unique<ScaledClock>(time_scale, *origin);
    } else {
        clock = std::make_unique<ScaledClock>(time_scale);
    }

    BlockingQueue<MqttEvent> queue(10000);
    mqtt.client_id = config.id;
    mqtt.clean_session = false;
    mqtt.will_topic = topics::manager_state();
    mqtt.will_payload = encode(ProcessState{"manager", config.id, false, clock->now(), {}});
    MqttSession session(mqtt, queue);
    // The loop never calls Paho itself (see common/outbox_transport.hpp).
    Outbox outbox;
    OutboxTransport transport(outbox, session);
    auto opened = manager::Manager::open(transport, *clock, config);
    if (!opened) {
        log_error("manager", "open_failed").kv("state_dir", state_dir).kv("error", opened.error().str());
        return 1;
    }
    manager::Manager& mgr = **opened;

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    auto st = session.start();
    if (st) st = mgr.start();
    if (!st) {
        log_error("manager", "start_failed").kv("broker", mqtt.uri).kv("error", st.error().str());
        return 1;
    }
    while (!g_stop) {
        if (auto event = queue.pop_for(std::chrono::milliseconds(100))) mgr.handle(*event);
        mgr.tick();
    }
    log_info("manager", "stopping").kv("id", config.id);
    outbox.flush_and_stop();
    queue.close();  // unblocks a Paho thread waiting on a full queue
    session.stop(mgr.state_payload(false));
    return 0;
}
