#include "common/metrics_server.hpp"

#include <httplib.h>

#include <cerrno>
#include <cstring>

#include "common/log.hpp"

namespace fleetcast {

std::optional<std::string> MetricsBoard::request(std::chrono::milliseconds wait) {
    std::unique_lock lock(mu_);
    if (closed_) return std::nullopt;
    std::uint64_t mine = ++asked_;
    if (!answered_cv_.wait_for(lock, wait, [&] { return closed_ || answered_ >= mine; })) return std::nullopt;
    if (answered_ < mine) return std::nullopt;
    return text_;
}

std::uint64_t MetricsBoard::pending() const {
    std::lock_guard lock(mu_);
    return asked_ > answered_ ? asked_ : 0;
}

void MetricsBoard::publish(std::uint64_t generation, std::string text) {
    {
        std::lock_guard lock(mu_);
        if (generation <= answered_) return;
        answered_ = generation;
        text_ = std::move(text);
    }
    answered_cv_.notify_all();
}

void MetricsBoard::close() {
    {
        std::lock_guard lock(mu_);
        closed_ = true;
    }
    answered_cv_.notify_all();
}

bool MetricsBoard::closed() const {
    std::lock_guard lock(mu_);
    return closed_;
}

Expected<ListenAddress> parse_listen_address(const std::string& text) {
    auto bad = [&](const std::string& why) {
        return Error{"bad_listen_address", "--metrics-listen '" + text + "': " + why + " (HOST:PORT)"};
    };
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return bad("no port");
    std::string host = text.substr(0, colon), port_text = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty()) host = "0.0.0.0";
    if (port_text.empty() || port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos)
        return bad("the port is not a number");
    int port = std::stoi(port_text);
    if (port > 65535) return bad("the port is above 65535");
    return ListenAddress{host, port};
}

Expected<std::unique_ptr<MetricsServer>> MetricsServer::start(const ListenAddress& at, MetricsBoard& board,
                                                              std::string program, std::chrono::milliseconds wait) {
    std::unique_ptr<MetricsServer> s(new MetricsServer());
    s->board_ = &board;
    s->server_ = std::make_unique<httplib::Server>();
    // A scraper or two, not a web site: two worker threads, and a client that
    // stops sending or reading is dropped after a few seconds.
    s->server_->new_task_queue = [] { return new httplib::ThreadPool(2); };
    s->server_->set_read_timeout(5, 0);
    s->server_->set_write_timeout(5, 0);
    s->server_->set_keep_alive_max_count(10);
    // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which lets a
    // second program bind the same port and take half of the scrapes.
    s->server_->set_socket_options([](socket_t sock) {
        int yes = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    s->server_->Get("/metrics", [&board, program, wait](const httplib::Request&, httplib::Response& res) {
        if (auto text = board.request(wait)) {
            res.set_content(*text, "text/plain; version=0.0.4; charset=utf-8");
            return;
        }
        if (!board.closed()) log_warn(program, "metrics_busy").kv("wait_ms", wait.count());
        res.status = 503;
        res.set_content("the program's loop did not answer in time\n", "text/plain");
    });
    if (at.port == 0) {
        s->port_ = s->server_->bind_to_any_port(at.host);
        if (s->port_ <= 0) return Error{"metrics_bind_failed", "cannot listen on " + at.host + ":0"};
    } else {
        errno = 0;
        if (!s->server_->bind_to_port(at.host, at.port)) {
            int err = errno;  // bind()'s, when the address resolved
            return Error{"metrics_bind_failed", "cannot listen on " + at.host + ":" + std::to_string(at.port) + ": " +
                                                    (err ? std::strerror(err) : "no such address")};
        }
        s->port_ = at.port;
    }
    httplib::Server* server = s->server_.get();
    std::atomic<bool>* finished = &s->finished_;
    s->thread_ = std::thread([server, finished] {
        server->listen_after_bind();
        finished->store(true);
    });
    log_info(program, "metrics_listening").kv("host", at.host).kv("port", s->port_);
    return s;
}

MetricsServer::~MetricsServer() {
    if (board_) board_->close();  // a scrape waiting for the loop returns now
    // stop() only stops a server that is running: wait for the thread to get there.
    while (thread_.joinable() && !finished_.load() && !server_->is_running())
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
}

}  // namespace fleetcast
