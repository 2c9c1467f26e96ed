#pragma once
// The --metrics-listen HOST:PORT endpoint (Prometheus text exposition on GET
// /metrics), served by cpp-httplib on a thread of its own. The program's one
// loop owns every piece of state, so the HTTP thread never reads it: a scrape
// asks the MetricsBoard, the loop sees the request on its next turn
// (serve_metrics in tick), renders the exposition and hands it over. A loop
// that does not answer within the wait (busy with a long request) makes the
// scrape fail with 503, never a torn read.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/error.hpp"

namespace httplib {
class Server;
}

namespace fleetcast {

class MetricsBoard {
   public:
    // HTTP thread: a rendering made after this call, or nullopt after `wait`.
    std::optional<std::string> request(std::chrono::milliseconds wait);
    // Loop: the generation to answer (0: nobody is waiting).
    std::uint64_t pending() const;
    void publish(std::uint64_t generation, std::string text);
    // The loop is gone (the program stops): waiting scrapes, and later ones,
    // get nullopt at once instead of waiting out their time.
    void close();
    bool closed() const;

   private:
    mutable std::mutex mu_;
    std::condition_variable answered_cv_;
    bool closed_ = false;
    std::uint64_t asked_ = 0;
    std::uint64_t answered_ = 0;
    std::string text_;
};

// Loop side, one line in each program's tick: renders only when asked.
template <typename Render>
void serve_metrics(MetricsBoard& board, Render&& render) {
    if (auto generation = board.pending()) board.publish(generation, render());
}

struct ListenAddress {
    std::string host;
    int port = 0;  // 0: any free port (MetricsServer::port() says which)
};
// "HOST:PORT", "[v6]:PORT" or ":PORT" (all interfaces).
Expected<ListenAddress> parse_listen_address(const std::string& text);

class MetricsServer {
   public:
    // Binds at once (an address in use is an error here, not later) and serves
    // on a thread until destroyed; closes the board when destroyed. The board
    // must outlive the server. `program` names the log lines.
    static Expected<std::unique_ptr<MetricsServer>> start(const ListenAddress& at, MetricsBoard& board,
                                                          std::string program,
                                                          std::chrono::milliseconds wait = std::chrono::seconds(5));
    ~MetricsServer();
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;
    int port() const { return port_; }

   private:
    MetricsServer() = default;
    MetricsBoard* board_ = nullptr;
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    std::atomic<bool> finished_{false};
    int port_ = 0;
};

}  // namespace fleetcast
