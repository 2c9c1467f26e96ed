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
    ASSERT_TRUE(eventually([&] {
        tx.publish("t/probe", "p");
        auto ev = q.pop_for(std::chrono::milliseconds(100));
        while (ev && ev->kind != MqttEvent::Kind::Message) ev = q.pop_for(std::chrono::milliseconds(100));
        return ev.has_value();
    }, std::chrono::seconds(10)));
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
