#include "bench/direct_fetchers.hpp"

#include <mqtt/async_client.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include "common/chunk_codec.hpp"
#include "common/messages.hpp"
#include "common/partial_image.hpp"
#include "common/topics.hpp"

namespace fleetcast::bench {

namespace {

using Clock = std::chrono::steady_clock;

struct Fetcher final : mqtt::callback {
    std::string site;
    std::string fetch_topic;
    std::string chunk_filter;
    DirectImage image;
    std::unique_ptr<mqtt::async_client> client;
    std::mutex mu;
    std::vector<bool> have;
    std::uint32_t received = 0;
    Clock::time_point last_arrival{};
    void message_arrived(mqtt::const_message_ptr msg) override {
        const auto& payload = msg->get_payload_ref();
        auto c = decode_chunk(std::string_view(payload.data(), payload.size()), kMaxChunkSize);
        if (!c || c->index >= have.size()) return;
        std::lock_guard lock(mu);
        last_arrival = Clock::now();
        if (have[c->index]) return;
        have[c->index] = true;
        ++received;
    }
    bool done() {
        std::lock_guard lock(mu);
        return received == image.chunk_count;
    }
    void fetch_missing() {
        std::vector<std::uint32_t> missing;
        {
            std::lock_guard lock(mu);
            for (std::uint32_t i = 0; i < have.size() && missing.size() < 1024; ++i)
                if (!have[i]) missing.push_back(i);
            last_arrival = Clock::now();
        }
        if (missing.empty()) return;
        FetchRequest r;
        r.fw_id = image.fw_id;
        r.ranges = to_ranges(missing);
        client->publish(fetch_topic, encode(r), 1, false);
    }
};

}  // namespace

DirectResult run_direct_fetchers(const std::string& uri, int devices, const std::vector<DirectImage>& images,
                                 std::chrono::seconds timeout) {
    DirectResult r;
    std::vector<std::unique_ptr<Fetcher>> fleet;
    try {
        std::vector<mqtt::token_ptr> tokens;
        for (int i = 0; i < devices; ++i) {
            auto f = std::make_unique<Fetcher>();
            char id[32];
            std::snprintf(id, sizeof id, "direct-%06d", i + 1);
            f->site = id;
            auto fetch_topic = topics::gw_fetch(f->site);
            auto chunk_filter = topics::gw_chunk_filter(f->site);
            if (!fetch_topic || !chunk_filter) {
                r.error = (fetch_topic ? chunk_filter : fetch_topic).error().str();
                return r;
            }
            f->fetch_topic = std::move(*fetch_topic);
            f->chunk_filter = std::move(*chunk_filter);
            f->image = images[static_cast<std::size_t>(i) % images.size()];
            f->have.assign(f->image.chunk_count, false);
            f->client =
                std::make_unique<mqtt::async_client>(uri, f->site, mqtt::create_options(MQTTVERSION_3_1_1, 100000));
            f->client->set_callback(*f);
            tokens.push_back(f->client->connect(mqtt::connect_options_builder()
                                                    .clean_session(true)
                                                    .keep_alive_interval(std::chrono::seconds(60))
                                                    .connect_timeout(std::chrono::seconds(30))
                                                    .finalize()));
            fleet.push_back(std::move(f));
        }
        for (auto& t : tokens) t->wait();
        tokens.clear();
        for (auto& f : fleet) tokens.push_back(f->client->subscribe(f->chunk_filter, 1));
        for (auto& t : tokens) t->wait();
        auto start = Clock::now();
        for (auto& f : fleet) f->fetch_missing();
        auto deadline = start + timeout;
        std::size_t complete = 0;
        while (Clock::now() < deadline) {
            complete = 0;
            for (auto& f : fleet) {
                if (f->done()) {
                    ++complete;
                    continue;
                }
                Clock::time_point last;
                {
                    std::lock_guard lock(f->mu);
                    last = f->last_arrival;
                }
                if (Clock::now() - last > std::chrono::seconds(20)) f->fetch_missing();
            }
            if (complete == fleet.size()) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        r.devices_complete = complete;
        for (auto& f : fleet) r.chunks_received += f->received;
        r.ok = complete == fleet.size();
        if (!r.ok) r.error = "not every direct device got its image before the timeout";
        tokens.clear();
        for (auto& f : fleet) tokens.push_back(f->client->disconnect());
        for (auto& t : tokens) t->wait_for(std::chrono::seconds(5));
    } catch (const std::exception& e) {
        r.error = e.what();
    }
    return r;
}

}  // namespace fleetcast::bench
