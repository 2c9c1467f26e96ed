// MqttSession against a real mosquitto.
#include <gtest/gtest.h>

#include "common/mqtt_session.hpp"
#include "tests/support/broker.hpp"
#include "tests/support/observer.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;

namespace {
std::filesystem::path temp_dir() {
    char tmpl[] = "/tmp/fleetcast-mqtt-XXXXXX";
    return mkdtemp(tmpl);
}
}  // namespace

TEST(MqttSession, DeliversQoS1MessagesInOrderOntoTheQueue) {
    auto dir = temp_dir();
    Broker broker(dir / "broker");
    BlockingQueue<MqttEvent> q(1000);
    MqttOptions o;
    o.uri = broker.uri();
    o.client_id = "receiver";
    MqttSession rx(o, q, 7);
    ASSERT_TRUE(rx.subscribe("t/#"));
    ASSERT_TRUE(rx.start());
    ASSERT_TRUE(rx.wait_connected(std::chrono::seconds(10)));
    Observer tx(broker.uri(), "sender");
    // The subscription is made in the connected callback: wait for it to take.
    ASSERT_TRUE(eventually(
        [&] {
            tx.publish("t/probe", "p");
            auto ev = q.pop_for(std::chrono::milliseconds(100));
            while (ev && ev->kind != MqttEvent::Kind::Message) ev = q.pop_for(std::chrono::milliseconds(100));
            return ev.has_value();
        },
        std::chrono::seconds(10)));
    while (q.pop_for(std::chrono::milliseconds(200))) {
    }
    for (int i = 0; i < 50; ++i) tx.publish("t/x", std::to_string(i));
    int next = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (next < 50 && std::chrono::steady_clock::now() < deadline) {
        auto ev = q.pop_for(std::chrono::milliseconds(100));
        if (!ev || ev->kind != MqttEvent::Kind::Message || ev->topic != "t/x") continue;
        EXPECT_EQ(ev->tag, 7);
        EXPECT_EQ(ev->payload, std::to_string(next));
        ++next;
    }
    EXPECT_EQ(next, 50);
    std::filesystem::remove_all(dir);
}

// ---- several broker URIs: the nodes of a cluster (issue 18) -----------------

namespace {
// Publishes on `topic` through `via` until `q` delivers it (the subscription
// is renewed asynchronously after a connect); true when it arrived in time.
bool arrives(Observer& via, BlockingQueue<MqttEvent>& q, const std::string& topic) {
    return eventually(
        [&] {
            via.publish(topic, "p");
            auto ev = q.pop_for(std::chrono::milliseconds(100));
            while (ev && !(ev->kind == MqttEvent::Kind::Message && ev->topic == topic))
                ev = q.pop_for(std::chrono::milliseconds(100));
            return ev.has_value();
        },
        std::chrono::seconds(20));
}
}  // namespace

TEST(MqttSession, BrokerListIsSplitAtCommasAndABadEntryIsRefused) {
    auto two = broker_uris("tcp://127.0.0.1:1883, ssl://node2:8883");
    ASSERT_TRUE(two) << two.error().str();
    ASSERT_EQ(two->size(), 2u);
    EXPECT_EQ((*two)[1], "ssl://node2:8883");
    for (const char* bad : {"", "tcp://a:1,", "127.0.0.1:1883", "tcp://a:1,,tcp://b:2", "http://a:80"}) {
        auto r = broker_uris(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, "bad_args");
    }
    BlockingQueue<MqttEvent> q(10);
    MqttOptions o;
    o.uri = "tcp://127.0.0.1:1883,oops";
    o.client_id = "bad-list";
    MqttSession s(o, q);
    EXPECT_FALSE(s.start());
}

TEST(MqttSession, ConnectsToTheNextBrokerOfItsListWhenTheFirstIsDown) {
    auto dir = temp_dir();
    Broker live(dir / "live");
    const int down = free_loopback_port();  // nothing listens there
    BlockingQueue<MqttEvent> q(1000);
    MqttOptions o;
    o.uri = "tcp://127.0.0.1:" + std::to_string(down) + "," + live.uri();
    o.client_id = "list-client";
    MqttSession s(o, q);
    ASSERT_TRUE(s.subscribe("t/#"));
    ASSERT_TRUE(s.start());
    ASSERT_TRUE(s.wait_connected(std::chrono::seconds(20)));
    Observer tx(live.uri(), "sender");
    EXPECT_TRUE(arrives(tx, q, "t/first"));
    std::filesystem::remove_all(dir);
}

TEST(MqttSession, MovesToTheOtherNodeWhenItsBrokerIsKilledAndRenewsItsSubscriptions) {
    auto dir = temp_dir();
    Broker a(dir / "a");
    Broker b(dir / "b");
    BlockingQueue<MqttEvent> q(1000);
    MqttOptions o;
    o.uri = a.uri() + "," + b.uri();
    o.client_id = "failover-client";
    MqttSession s(o, q);
    ASSERT_TRUE(s.subscribe("t/#"));
    ASSERT_TRUE(s.start());
    ASSERT_TRUE(s.wait_connected(std::chrono::seconds(20)));
    {
        Observer on_a(a.uri(), "sender-a");
        ASSERT_TRUE(arrives(on_a, q, "t/on-a"));  // it chose the first node
    }
    a.kill();  // kill -9: no clean disconnect; the client notices the lost socket
    Observer on_b(b.uri(), "sender-b");
    EXPECT_TRUE(arrives(on_b, q, "t/on-b")) << "the session did not move to node b";
    EXPECT_TRUE(s.connected());
    std::filesystem::remove_all(dir);
}
