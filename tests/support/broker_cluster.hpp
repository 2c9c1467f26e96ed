#pragma once
// A real MQTT broker cluster for one test or benchmark, run by its script
// (scripts/cluster-rabbitmq: RabbitMQ nodes; scripts/cluster-aedes: Aedes
// processes sharing Redis) on free loopback ports in a temp folder; stopped,
// every process of it, in the destructor (also when the test failed).
#include <filesystem>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace fleetcast::testing {

class BrokerCluster {
   public:
    enum class Kind { RabbitMq, Aedes };
    // Starts `nodes` nodes; error (with the script's output) when they do not come up.
    // With `websockets` (RabbitMQ only) each node also serves MQTT over
    // WebSockets (rabbitmq_web_mqtt), for the web dashboard.
    static Expected<BrokerCluster> start(Kind kind, const std::filesystem::path& work_dir, int nodes,
                                         bool websockets = false);
    BrokerCluster(BrokerCluster&& other) noexcept;
    BrokerCluster& operator=(BrokerCluster&&) = delete;
    ~BrokerCluster();

    Kind kind() const { return kind_; }
    int nodes() const { return static_cast<int>(ports_.size()); }
    // Node i's MQTT URI (0-based).
    std::string uri(int node) const { return "tcp://127.0.0.1:" + std::to_string(ports_.at(node)); }
    // The node list for --broker, starting at node `first` (so that a program
    // connects there first and fails over to the others in order).
    std::string uris(int first = 0) const;
    // Node i's MQTT-over-WebSockets URL (started with `websockets`), and the
    // list for the dashboard's ?broker=, in the same order as uris().
    std::string ws_url(int node) const { return "ws://127.0.0.1:" + std::to_string(ws_ports_.at(node)) + "/ws"; }
    std::string ws_urls(int first = 0) const;
    // kill -9 of node i (fault injection); the others keep running.
    Status kill(int node);
    // The script's status output (logged by a failing test).
    std::string status() const;
    static const char* name(Kind kind) { return kind == Kind::RabbitMq ? "rabbitmq" : "aedes"; }

   private:
    BrokerCluster() = default;
    std::string script() const;
    Kind kind_ = Kind::RabbitMq;
    std::filesystem::path dir_;
    std::vector<int> ports_;
    std::vector<int> ws_ports_;
    bool running_ = false;
};

}  // namespace fleetcast::testing
