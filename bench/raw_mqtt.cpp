#include "bench/raw_mqtt.hpp"

#include <fcntl.h>
#include <mqtt/async_client.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/sha256.hpp"

namespace fleetcast::bench {

namespace {

using Clock = std::chrono::steady_clock;

double process_cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return s(u.ru_utime) + s(u.ru_stime);
}

std::int64_t thread_cpu_ns() {
    timespec t{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<std::int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

struct Subscriber;

// The device work of "raw + device work": SHA-256 of each chunk and its write,
// on a few threads; each subscriber always on the same one (its file in order).
class WorkPool {
   public:
    explicit WorkPool(int workers) : lanes_(static_cast<std::size_t>(std::max(1, workers))) {
        for (auto& l : lanes_) l.thread = std::thread([this, &l] { run(l); });
    }
    ~WorkPool() {
        for (auto& l : lanes_) {
            {
                std::lock_guard lock(l.mu);
                l.stop = true;
            }
            l.cv.notify_one();
        }
        for (auto& l : lanes_) l.thread.join();
    }
    void push(std::size_t lane, Subscriber* s, mqtt::const_message_ptr msg) {
        auto& l = lanes_[lane % lanes_.size()];
        {
            std::lock_guard lock(l.mu);
            l.items.emplace_back(s, std::move(msg));
        }
        l.cv.notify_one();
    }
    double work_cpu_s() const { return static_cast<double>(work_ns_.load()) / 1e9; }

   private:
    struct Lane {
        std::mutex mu;
        std::condition_variable cv;
        std::deque<std::pair<Subscriber*, mqtt::const_message_ptr>> items;
        bool stop = false;
        std::thread thread;
    };
    void run(Lane& l);
    std::deque<Lane> lanes_;
    std::atomic<std::int64_t> work_ns_{0};
    std::atomic<std::uint8_t> sink_{0};
};

class CountingCallback final : public mqtt::callback {
   public:
    std::atomic<std::uint64_t> bytes{0};
    std::atomic<std::uint64_t> messages{0};
    Subscriber* owner = nullptr;
    WorkPool* pool = nullptr;
    std::size_t lane = 0;
    void message_arrived(mqtt::const_message_ptr msg) override;
};

struct Subscriber {
    std::unique_ptr<mqtt::async_client> client;
    CountingCallback callback;
    std::uint64_t expected = 0;
    int fd = -1;               // raw + device work: this subscriber's file
    std::uint64_t offset = 0;  // next write position (one worker thread per subscriber)
    ~Subscriber() {
        if (fd >= 0) ::close(fd);
    }
};

void CountingCallback::message_arrived(mqtt::const_message_ptr msg) {
    if (pool) return pool->push(lane, owner, std::move(msg));
    bytes += msg->get_payload_ref().size();
    ++messages;
}

void WorkPool::run(Lane& l) {
    while (true) {
        std::pair<Subscriber*, mqtt::const_message_ptr> item;
        {
            std::unique_lock lock(l.mu);
            l.cv.wait(lock, [&] { return l.stop || !l.items.empty(); });
            if (l.items.empty()) return;
            item = std::move(l.items.front());
            l.items.pop_front();
        }
        auto* s = item.first;
        const auto& payload = item.second->get_payload_ref();
        const auto t0 = thread_cpu_ns();
        const auto digest = sha256(std::string_view(payload.data(), payload.size()));
        sink_ ^= digest[0];  // the digest is used, as a device compares it
        auto written = ::pwrite(s->fd, payload.data(), payload.size(), static_cast<off_t>(s->offset));
        work_ns_ += thread_cpu_ns() - t0;
        if (written == static_cast<ssize_t>(payload.size())) s->offset += payload.size();
        s->callback.bytes += payload.size();
        ++s->callback.messages;
    }
}

std::string topic_name(const std::string& run, int t) { return "bench/raw/" + run + "/t" + std::to_string(t); }

// Sends `bytes` per topic with at most `window` unacknowledged publishes.
bool publish_all(mqtt::async_client& pub, const std::vector<std::string>& topic_list, std::uint64_t bytes,
                 std::uint32_t chunk_size, int window, std::string& error) {
    std::string payload(chunk_size, '\x5a');
    std::deque<mqtt::delivery_token_ptr> pending;
    std::uint64_t chunks = (bytes + chunk_size - 1) / chunk_size;
    try {
        for (std::uint64_t i = 0; i < chunks; ++i) {
            std::size_t len = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_size, bytes - i * chunk_size));
            for (const auto& t : topic_list) {
                while (static_cast<int>(pending.size()) >= window) {
                    pending.front()->wait();
                    pending.pop_front();
                }
                pending.push_back(pub.publish(mqtt::make_message(t, payload.data(), len, 1, false)));
            }
        }
        for (auto& tok : pending) tok->wait();
    } catch (const std::exception& e) {
        error = e.what();
        return false;
    }
    return true;
}

std::unique_ptr<mqtt::async_client> make_client(const std::string& uri, const std::string& id, int max_inflight) {
    auto c = std::make_unique<mqtt::async_client>(uri, id, mqtt::create_options(MQTTVERSION_3_1_1, 100000));
    (void)max_inflight;
    return c;
}

mqtt::connect_options connect_opts(int max_inflight) {
    return mqtt::connect_options_builder()
        .clean_session(true)
        .keep_alive_interval(std::chrono::seconds(60))
        .connect_timeout(std::chrono::seconds(30))
        .max_inflight(max_inflight)
        .finalize();
}

}  // namespace

RawResult raw_fanout(const std::string& uri, int subscribers, int topics, std::uint64_t bytes, std::uint32_t chunk_size,
                     int window, std::chrono::seconds timeout, const std::optional<RawWork>& work) {
    RawResult r;
    std::unique_ptr<WorkPool> pool;
    if (work) {
        std::error_code ec;
        std::filesystem::create_directories(work->dir, ec);
        pool = std::make_unique<WorkPool>(work->workers);
    }
    std::string run =
        std::to_string(::getpid()) + "-" + std::to_string(Clock::now().time_since_epoch().count() % 100000);
    std::vector<std::string> topic_list;
    for (int t = 0; t < topics; ++t) topic_list.push_back(topic_name(run, t));
    std::vector<std::unique_ptr<Subscriber>> subs;
    try {
        // Connect all first, then wait: one after another costs seconds per client.
        std::vector<mqtt::token_ptr> tokens;
        for (int i = 0; i < subscribers; ++i) {
            auto s = std::make_unique<Subscriber>();
            s->client = make_client(uri, "raw-sub-" + run + "-" + std::to_string(i), 10);
            s->client->set_callback(s->callback);
            s->expected = bytes;
            if (pool) {
                const auto path = work->dir / ("sub-" + std::to_string(i));
                s->fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                if (s->fd < 0) throw std::runtime_error("cannot create " + path.string());
                s->callback.owner = s.get();
                s->callback.pool = pool.get();
                s->callback.lane = static_cast<std::size_t>(i);
            }
            tokens.push_back(s->client->connect(connect_opts(10)));
            subs.push_back(std::move(s));
        }
        for (auto& t : tokens) t->wait();
        tokens.clear();
        for (int i = 0; i < subscribers; ++i)
            tokens.push_back(subs[static_cast<std::size_t>(i)]->client->subscribe(
                topic_list[static_cast<std::size_t>(i % topics)], 1));
        for (auto& t : tokens) t->wait();
        auto pub = make_client(uri, "raw-pub-" + run, window);
        pub->connect(connect_opts(std::max(window, 10)))->wait();
        auto start = Clock::now();
        const auto cpu0 = process_cpu_seconds();
        if (!publish_all(*pub, topic_list, bytes, chunk_size, window, r.error)) return r;
        auto deadline = start + timeout;
        bool all = false;
        while (!all && Clock::now() < deadline) {
            all = true;
            for (auto& s : subs)
                if (s->callback.bytes < s->expected) all = false;
            if (!all) std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        r.cpu_s = process_cpu_seconds() - cpu0;
        if (pool) r.work_cpu_s = pool->work_cpu_s();
        for (auto& s : subs) {
            r.bytes_delivered += s->callback.bytes;
            r.messages_delivered += s->callback.messages;
        }
        r.ok = all;
        if (!all) r.error = "not every subscriber received everything before the timeout";
        pub->disconnect()->wait();
        tokens.clear();
        for (auto& s : subs) tokens.push_back(s->client->disconnect());
        for (auto& t : tokens) t->wait_for(std::chrono::seconds(5));
    } catch (const std::exception& e) {
        r.ok = false;
        r.error = e.what();
    }
    for (auto& s : subs) s->client.reset();  // no callback after this
    pool.reset();                            // the workers drain, then stop, before the files close
    subs.clear();
    if (work) {
        std::error_code ec;
        std::filesystem::remove_all(work->dir, ec);
    }
    return r;
}

RawResult raw_stream(const std::string& uri, std::uint64_t bytes, std::uint32_t chunk_size, int window,
                     std::chrono::seconds timeout) {
    return raw_fanout(uri, 1, 1, bytes, chunk_size, window, timeout);
}

}  // namespace fleetcast::bench
