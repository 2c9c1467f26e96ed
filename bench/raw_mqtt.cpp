#include "bench/raw_mqtt.hpp"

#include <mqtt/async_client.h>

#include <atomic>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

namespace fleetcast::bench {

namespace {

using Clock = std::chrono::steady_clock;

class CountingCallback final : public mqtt::callback {
   public:
    std::atomic<std::uint64_t> bytes{0};
    void message_arrived(mqtt::const_message_ptr msg) override { bytes += msg->get_payload_ref().size(); }
};

struct Subscriber {
    std::unique_ptr<mqtt::async_client> client;
    CountingCallback callback;
    std::uint64_t expected = 0;
};

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
                     int window, std::chrono::seconds timeout) {
    RawResult r;
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
        for (auto& s : subs) r.bytes_delivered += s->callback.bytes;
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
    return r;
}

RawResult raw_stream(const std::string& uri, std::uint64_t bytes, std::uint32_t chunk_size, int window,
                     std::chrono::seconds timeout) {
    return raw_fanout(uri, 1, 1, bytes, chunk_size, window, timeout);
}

}  // namespace fleetcast::bench
