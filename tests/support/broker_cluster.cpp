#include "tests/support/broker_cluster.hpp"

#include "tests/support/broker.hpp"
#include "tests/support/child_process.hpp"

namespace fleetcast::testing {

namespace {
std::string join(const std::vector<int>& ports) {
    std::string out;
    for (int p : ports) out += (out.empty() ? "" : ",") + std::to_string(p);
    return out;
}
std::vector<int> free_ports(int n) {
    std::vector<int> out;
    while (static_cast<int>(out.size()) < n) {
        int p = free_loopback_port();
        bool seen = false;
        for (int q : out) seen = seen || q == p;
        if (!seen) out.push_back(p);
    }
    return out;
}
}  // namespace

std::string BrokerCluster::script() const {
    return std::string(FLEETCAST_BROKER_CONFIG_DIR) + "/../scripts/cluster-" + name(kind_);
}

Expected<BrokerCluster> BrokerCluster::start(Kind kind, const std::filesystem::path& work_dir, int nodes,
                                             bool websockets) {
    if (websockets && kind != Kind::RabbitMq)
        return make_error("cluster", std::string(name(kind)) + " cluster: no WebSocket listeners scripted");
    BrokerCluster c;
    c.kind_ = kind;
    c.dir_ = work_dir;
    // Every port of one cluster distinct: MQTT, WebSockets, then the RabbitMQ distribution ports and epmd.
    auto ports = free_ports(websockets ? 2 * nodes : nodes);
    c.ports_.assign(ports.begin(), ports.begin() + nodes);
    c.ws_ports_.assign(ports.begin() + nodes, ports.end());
    std::vector<std::string> argv{c.script(), "start", "--dir", work_dir.string(), "--mqtt-ports", join(c.ports_)};
    if (websockets) argv.insert(argv.end(), {"--ws-ports", join(c.ws_ports_)});
    if (kind == Kind::RabbitMq) {
        auto aux = free_ports(nodes + 1);
        argv.insert(argv.end(), {"--epmd-port", std::to_string(aux.back())});
        aux.pop_back();
        argv.insert(argv.end(), {"--dist-ports", join(aux)});
    } else {
        argv.insert(argv.end(), {"--redis-port", std::to_string(free_ports(1).front())});
    }
    c.running_ = true;  // a half-started cluster is stopped too
    auto r = run_command(argv, std::chrono::seconds(200));
    if (r.exit_code != 0) return make_error("cluster", std::string(name(kind)) + " cluster did not start: " + r.output);
    return c;
}

BrokerCluster::BrokerCluster(BrokerCluster&& other) noexcept
    : kind_(other.kind_),
      dir_(std::move(other.dir_)),
      ports_(std::move(other.ports_)),
      ws_ports_(std::move(other.ws_ports_)),
      running_(other.running_) {
    other.running_ = false;
}

BrokerCluster::~BrokerCluster() {
    if (!running_) return;
    run_command({script(), "stop", "--dir", dir_.string()}, std::chrono::seconds(60));
}

std::string BrokerCluster::uris(int first) const {
    std::string out;
    for (int i = 0; i < nodes(); ++i) out += (i ? "," : "") + uri((first + i) % nodes());
    return out;
}

std::string BrokerCluster::ws_urls(int first) const {
    std::string out;
    for (int i = 0; i < nodes(); ++i) out += (i ? "," : "") + ws_url((first + i) % nodes());
    return out;
}

Status BrokerCluster::kill(int node) {
    auto r = run_command({script(), "kill", "--dir", dir_.string(), "--node", std::to_string(node + 1)},
                         std::chrono::seconds(20));
    if (r.exit_code != 0) return make_error("cluster", "kill of node " + std::to_string(node) + ": " + r.output);
    return ok_status();
}

std::string BrokerCluster::status() const {
    return run_command({script(), "status", "--dir", dir_.string()}, std::chrono::seconds(60)).output;
}

}  // namespace fleetcast::testing
