#pragma once
// A real mosquitto for one test: config from broker-config/ plus a listener on
// a free loopback port, started in a temp dir, polled until it accepts
// connections, stopped in the destructor; its log is printed on failure.
#include <filesystem>
#include <memory>
#include <string>

#include "tests/support/child_process.hpp"

namespace fleetcast::testing {

int free_loopback_port();
bool port_accepts(int port);
bool port_accepts(const std::string& ipv4, int port);

class Broker {
   public:
    // config_name: a file in broker-config/ (e.g. "dev.conf").
    explicit Broker(const std::filesystem::path& work_dir, const std::string& config_name = "dev.conf");
    // A broker whose configuration (without listener) is given as text, e.g.
    // a site broker config written by scripts/site-broker.
    static std::unique_ptr<Broker> with_config_text(const std::filesystem::path& work_dir, const std::string& text);
    ~Broker();
    int port() const { return port_; }
    std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
    std::string ssl_uri() const { return "ssl://127.0.0.1:" + std::to_string(port_); }  // TLS configs (prod.conf)
    std::string log_tail() const { return process_.log_tail(); }
    void stop() { process_.stop(); }
    // Fault injection: SIGKILL (no clean shutdown), then the same config on the
    // same port again (retained messages and sessions are lost with dev.conf's
    // `persistence false`). restart() waits until the port accepts connections.
    void kill();
    void restart();
    ChildProcess& process() { return process_; }

   private:
    Broker() = default;
    void start(const std::filesystem::path& work_dir, const std::string& base_config);
    int port_ = 0;
    std::filesystem::path work_dir_;
    ChildProcess process_;
};

}  // namespace fleetcast::testing
