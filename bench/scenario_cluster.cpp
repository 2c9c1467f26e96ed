// Scenario 8 (issue 18): the same campaign on a single mosquitto (the
// baseline, same run), a three-node RabbitMQ cluster and two Aedes nodes over
// Redis, with the manager, the gateway and the devices each on another node;
// then the recovery after a kill -9 of the gateway's node: how long until the
// gateway is connected (and subscribed) on another node.
#include <fstream>
#include <thread>

#include "bench/scenarios.hpp"
#include "tests/support/broker_cluster.hpp"

namespace fleetcast::bench {

namespace {

using Clock = std::chrono::steady_clock;
using testing::BrokerCluster;

std::size_t count_in_file(const std::filesystem::path& file, const std::string& needle) {
    std::ifstream in(file);
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) n += line.find(needle) != std::string::npos;
    return n;
}

struct ClusterRun {
    double wall_s = 0;
    double recovery_s = -1;
    std::size_t completed = 0;
};

ClusterRun run_on(const BenchConfig& cfg, ScenarioReport& rep, const std::string& name, BrokerCluster* cluster,
                  int devices, std::uint64_t image) {
    ClusterRun out;
    auto o = fleet_options(cfg, "cluster-" + name);
    if (cluster) {
        o.broker_uris = cluster->uris(0);
        o.gateway_broker = cluster->uris(1);
        o.device_broker = cluster->uris(2 % cluster->nodes());
    }
    BenchFleet fleet(o);
    auto run = run_fleet_fanout(fleet, cfg, devices, 1, image, 2);
    if (!run.ok) rep.fail(name + ": " + run.error);
    out.wall_s = run.seconds_to_last_power_on;
    out.completed = run.completed;
    if (cluster) {
        const auto log = fleet.dir() / "gateway-gw1.log";
        const std::string connected = "INFO gateway connected";
        const auto before = count_in_file(log, connected);
        const auto killed = Clock::now();
        auto st = cluster->kill(1);
        if (!st) rep.fail(name + ": " + st.error().str());
        while (st && Clock::now() - killed < std::chrono::seconds(120)) {
            if (count_in_file(log, connected) > before) {
                out.recovery_s = std::chrono::duration<double>(Clock::now() - killed).count();
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        if (out.recovery_s < 0) rep.fail(name + ": the gateway did not reconnect within 120 s");
    }
    fleet.stop_all();
    cleanup(cfg, fleet.dir());
    return out;
}

}  // namespace

ScenarioReport scenario_cluster(const BenchConfig& cfg) {
    ScenarioReport rep("8_clusters");
    const int devices = cfg.cluster_devices;
    const std::uint64_t image = 1ULL << 20;
    rep.figure("devices", devices);
    rep.figure("image_bytes", static_cast<double>(image), "B");
    auto single = run_on(cfg, rep, "mosquitto", nullptr, devices, image);
    rep.figure("mosquitto_wall_s", single.wall_s, "s (campaign create -> last power_on, one mosquitto)");
    rep.figure("mosquitto_completed", static_cast<double>(single.completed));
    const std::pair<BrokerCluster::Kind, int> kinds[] = {{BrokerCluster::Kind::RabbitMq, 3},
                                                         {BrokerCluster::Kind::Aedes, 2}};
    for (const auto& [kind, nodes] : kinds) {
        const std::string name = BrokerCluster::name(kind);
        auto cluster = BrokerCluster::start(kind, cfg.state_root / ("broker-" + name), nodes);
        if (!cluster) {
            rep.fail(cluster.error().str());
            continue;
        }
        auto r = run_on(cfg, rep, name, &*cluster, devices, image);
        rep.figure(name + "_nodes", nodes);
        rep.figure(name + "_wall_s", r.wall_s, "s");
        rep.figure(name + "_completed", static_cast<double>(r.completed));
        rep.figure(name + "_recovery_s", r.recovery_s,
                   "s (kill -9 of the gateway's node -> gateway connected elsewhere)");
        if (single.wall_s > 0) rep.figure(name + "_wall_ratio", r.wall_s / single.wall_s, "x one mosquitto");
    }
    return rep;
}

}  // namespace fleetcast::bench
