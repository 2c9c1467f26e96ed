#include "tests/support/broker.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#ifndef FLEETCAST_BROKER_CONFIG_DIR
#error "FLEETCAST_BROKER_CONFIG_DIR must be defined by the build"
#endif

namespace fleetcast::testing {

int free_loopback_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    int port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
}

bool port_accepts(int port) { return port_accepts("127.0.0.1", port); }

bool port_accepts(const std::string& ipv4, int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    ::inet_pton(AF_INET, ipv4.c_str(), &addr.sin_addr);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

Broker::Broker(const std::filesystem::path& work_dir, const std::string& config_name) {
    std::ifstream in(std::filesystem::path(FLEETCAST_BROKER_CONFIG_DIR) / config_name);
    if (!in) throw std::runtime_error("missing broker config " + config_name);
    std::stringstream base;
    base << in.rdbuf();
    start(work_dir, base.str());
}

std::unique_ptr<Broker> Broker::with_config_text(const std::filesystem::path& work_dir, const std::string& text) {
    std::unique_ptr<Broker> b(new Broker());
    b->start(work_dir, text);
    return b;
}

void Broker::start(const std::filesystem::path& work_dir, const std::string& base) {
    work_dir_ = work_dir;
    std::filesystem::create_directories(work_dir);
    for (int attempt = 0; attempt < 5; ++attempt) {
        port_ = free_loopback_port();
        auto conf = work_dir / "mosquitto.conf";
        std::ofstream out(conf);
        out << "listener " << port_ << " 127.0.0.1\n" << base;
        out.close();
        process_ = ChildProcess({"mosquitto", "-c", conf.string()}, work_dir / "mosquitto.log");
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < deadline && process_.running()) {
            if (port_accepts(port_)) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        process_.stop();  // port taken meanwhile, or failed: try another
    }
    throw std::runtime_error("mosquitto did not start: " + process_.log_tail());
}

void Broker::kill() {
    process_.signal(SIGKILL);
    process_.wait_exit(std::chrono::seconds(5));
}

void Broker::restart() {
    process_.stop();
    auto conf = work_dir_ / "mosquitto.conf";
    // The old listener's socket may linger for a moment: try again until the deadline.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        process_ = ChildProcess({"mosquitto", "-c", conf.string()}, work_dir_ / "mosquitto.log");
        while (std::chrono::steady_clock::now() < deadline && process_.running()) {
            if (port_accepts(port_)) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        process_.stop();
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    throw std::runtime_error("mosquitto did not start again on port " + std::to_string(port_) + ": " +
                             process_.log_tail());
}

Broker::~Broker() { process_.stop(); }

}  // namespace fleetcast::testing
