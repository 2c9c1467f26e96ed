// The Prometheus text exposition and the endpoint that serves it.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>

#include "common/chunk_codec.hpp"
#include "common/metrics_server.hpp"
#include "common/metrics_text.hpp"
#include "common/topics.hpp"
#include "common/wire_counts.hpp"
#include "tests/support/recording_transport.hpp"

using namespace fleetcast;

TEST(MetricsText, FamiliesHaveHelpTypeAndOneLinePerSample) {
    MetricFamily jobs{"fleetcast_gateway_jobs", "Jobs by state", MetricFamily::Type::Gauge, {}};
    jobs.add(3, {{"state", "waiting"}}).add(1.5, {{"state", "done"}, {"campaign", "c1"}});
    MetricFamily up{"fleetcast_up", "Up", MetricFamily::Type::Counter, {}};
    up.add(1);
    EXPECT_EQ(metrics_exposition({jobs, up}),
              "# HELP fleetcast_gateway_jobs Jobs by state\n"
              "# TYPE fleetcast_gateway_jobs gauge\n"
              "fleetcast_gateway_jobs{state=\"waiting\"} 3\n"
              "fleetcast_gateway_jobs{state=\"done\",campaign=\"c1\"} 1.5\n"
              "# HELP fleetcast_up Up\n"
              "# TYPE fleetcast_up counter\n"
              "fleetcast_up 1\n");
}

TEST(MetricsText, HostileLabelValuesAreEscapedAndNamesMadeValid) {
    MetricFamily f{"9 bad-name", "help with \\ and\nnewline", MetricFamily::Type::Gauge, {}};
    f.add(2, {{"gate:way", "a\"b\\c\nd"}});
    EXPECT_EQ(metrics_exposition({f}),
              "# HELP _9_bad_name help with \\\\ and\\nnewline\n"
              "# TYPE _9_bad_name gauge\n"
              "_9_bad_name{gate_way=\"a\\\"b\\\\c\\nd\"} 2\n");
    EXPECT_EQ(metric_name("fleetcast:ok_1"), "fleetcast:ok_1");
    EXPECT_EQ(metric_name(""), "_");
}

TEST(MetricsText, EventCountersBecomeOneCounterFamilyLabelledByEvent) {
    auto f = events_family("fleetcast_manager", {{"bad_input", 3}, {"reports", 10}});
    EXPECT_EQ(metrics_exposition({f}),
              "# HELP fleetcast_manager_events_total Events counted by the program (bad input by kind, retries, ...)\n"
              "# TYPE fleetcast_manager_events_total counter\n"
              "fleetcast_manager_events_total{event=\"bad_input\"} 3\n"
              "fleetcast_manager_events_total{event=\"reports\"} 10\n");
}

TEST(MetricsListenAddress, HostPortFormsAreReadAndBadOnesRefused) {
    auto a = parse_listen_address("127.0.0.1:9100");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "127.0.0.1");
    EXPECT_EQ(a->port, 9100);
    auto any = parse_listen_address(":0");
    ASSERT_TRUE(any);
    EXPECT_EQ(any->host, "0.0.0.0");
    EXPECT_EQ(parse_listen_address("[::1]:80")->host, "::1");
    for (const char* bad : {"9100", "host:", "host:abc", "host:70000", "host:-1"})
        EXPECT_FALSE(parse_listen_address(bad)) << bad;
}

// The loop renders only when a scrape asks, and the scrape gets a rendering
// made after it asked (never a stale one).
TEST(MetricsServer, ScrapeIsAnsweredByTheLoopWithAFreshRendering) {
    MetricsBoard board;
    auto server = MetricsServer::start({"127.0.0.1", 0}, board, "test");
    ASSERT_TRUE(server) << server.error().str();
    std::atomic<bool> stop{false};
    std::atomic<int> renders{0};
    std::thread loop([&] {
        while (!stop) {
            serve_metrics(board, [&] { return "renders " + std::to_string(++renders) + "\n"; });
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    });
    httplib::Client client("127.0.0.1", (*server)->port());
    auto first = client.Get("/metrics");
    auto second = client.Get("/metrics");
    stop = true;
    loop.join();
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->status, 200);
    EXPECT_NE(first->get_header_value("Content-Type").find("text/plain; version=0.0.4"), std::string::npos);
    EXPECT_EQ(first->body, "renders 1\n");
    EXPECT_EQ(second->body, "renders 2\n");
    EXPECT_EQ(renders.load(), 2);
    auto missing = httplib::Client("127.0.0.1", (*server)->port()).Get("/other");
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404);
}

TEST(MetricsServer, ALoopThatDoesNotAnswerMakesTheScrapeFailWith503) {
    MetricsBoard board;
    auto server = MetricsServer::start({"127.0.0.1", 0}, board, "test", std::chrono::milliseconds(50));
    ASSERT_TRUE(server);
    auto res = httplib::Client("127.0.0.1", (*server)->port()).Get("/metrics");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 503);
}

TEST(MetricsServer, AnAddressInUseIsAnErrorAtStart) {
    MetricsBoard board;
    auto first = MetricsServer::start({"127.0.0.1", 0}, board, "test");
    ASSERT_TRUE(first);
    auto second = MetricsServer::start({"127.0.0.1", (*first)->port()}, board, "test");
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, "metrics_bind_failed");
}

// A program that stops while a scrape waits for its loop does not keep that
// scrape (nor its own exit) waiting for the whole wait.
TEST(MetricsServer, StoppingAnswersAWaitingScrapeAtOnce) {
    MetricsBoard board;
    auto server = MetricsServer::start({"127.0.0.1", 0}, board, "test", std::chrono::seconds(30));
    ASSERT_TRUE(server);
    int port = (*server)->port();
    std::optional<int> status;
    std::thread scraper([&] {
        auto res = httplib::Client("127.0.0.1", port).Get("/metrics");
        if (res) status = res->status;
    });
    // The scrape is waiting once the board has a request pending.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!board.pending() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_TRUE(board.pending());
    auto started = std::chrono::steady_clock::now();
    server->reset();
    scraper.join();
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
    ASSERT_TRUE(status);
    EXPECT_EQ(*status, 503);
}

TEST(WireCounts, ChunksAreCountedByLinkWithTheirImageBytesAndOtherMessagesAreNot) {
    fleetcast::testing::RecordingTransport inner;
    WireCounts wire;
    CountingTransport counted(inner, wire);
    const std::string chunk(kChunkHeaderSize + 1000, 'x');
    ASSERT_TRUE(counted.publish(topics::site_model_chunk("gw1", "A123", "fw1"), chunk));
    ASSERT_TRUE(counted.publish(topics::site_model_chunk("gw1", "B456", "fw2"), chunk));
    ASSERT_TRUE(
        counted.publish(topics::dev_chunk("gw1", "A123-000001", "fw1"), std::string(kChunkHeaderSize + 10, 'y')));
    ASSERT_TRUE(counted.publish(topics::gw_state("gw1"), std::string(500, 's')));
    ASSERT_TRUE(counted.publish(std::string("not/a/fleetcast/chunk"), std::string(100, 'n')));
    EXPECT_EQ(inner.published.size(), 5u);  // everything is passed on
    EXPECT_EQ(wire.sent(WireCounts::Link::Fanout).chunks, 2u);
    EXPECT_EQ(wire.sent(WireCounts::Link::Fanout).bytes, 2000u);
    EXPECT_EQ(wire.sent(WireCounts::Link::Repair).chunks, 1u);
    EXPECT_EQ(wire.sent(WireCounts::Link::Repair).bytes, 10u);
    EXPECT_EQ(wire.sent(WireCounts::Link::ManagerToGateway).chunks, 0u);

    MqttEvent in;
    in.topic = *topics::gw_chunk("gw1", "fw1");
    in.payload = std::string(kChunkHeaderSize + 7, 'z');
    wire.received(in);
    in.payload = "short";  // bad input: counted as a chunk message of no image bytes
    wire.received(in);
    MqttEvent connected;
    connected.kind = MqttEvent::Kind::Connected;
    wire.received(connected);
    wire.received(connected);
    MqttEvent lost;
    lost.kind = MqttEvent::Kind::ConnectionLost;
    wire.received(lost);
    EXPECT_EQ(wire.got(WireCounts::Link::ManagerToGateway).chunks, 2u);
    EXPECT_EQ(wire.got(WireCounts::Link::ManagerToGateway).bytes, 7u);
    EXPECT_EQ(wire.connects(), 2u);
    EXPECT_EQ(wire.connection_losses(), 1u);

    auto text = metrics_exposition(connection_families("fleetcast_gateway", wire, counted, 3));
    EXPECT_NE(
        text.find("# TYPE fleetcast_gateway_mqtt_connects_total counter\nfleetcast_gateway_mqtt_connects_total 2\n"),
        std::string::npos)
        << text;
    EXPECT_NE(text.find("fleetcast_gateway_event_queue_depth 3\n"), std::string::npos) << text;
}
