// The production broker configuration (R24): broker-config/prod.conf and acl,
// certificates from scripts/make-certs, a real mosquitto. The broker itself
// denies; the would-be receiver never sees the message.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>

#include "common/mqtt_session.hpp"
#include "common/topics.hpp"
#include "tests/integration/prod_broker.hpp"
#include "tests/support/broker.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/observer.hpp"

#ifndef FLEETCAST_SOURCE_DIR
#error "FLEETCAST_SOURCE_DIR must be defined by the build"
#endif

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

class ProdBroker : public ::testing::Test {
   protected:
    void SetUp() override {
        char tmpl[] = "/tmp/fleetcast-acl-XXXXXX";
        dir = ::mkdtemp(tmpl);
        // broker-config/prod.conf and acl as shipped.
        auto setup = ProdBrokerSetup::start(dir, {"manager", "operator", "gw1", "A123-000001", "A123-000002"},
                                            source_file("broker-config/acl"));
        ASSERT_TRUE(setup) << setup.error().str();
        prod = std::move(*setup);
        broker = &prod->broker();
    }
    void TearDown() override {
        if (::testing::Test::HasFailure() && broker)
            std::fprintf(stderr, "---- mosquitto\n%s\n", broker->log_tail().c_str());
        broker = nullptr;
        prod.reset();
        if (!::testing::Test::HasFailure()) fs::remove_all(dir);
    }

    // TLS options of one identity (its certificate and key from make-certs).
    MqttOptions as(const std::string& identity, const std::string& client_id) const {
        return prod->as(identity, client_id);
    }

    // Waits until `watcher` saw the control message on `topic`: the broker
    // handled everything the same client published before it.
    static bool saw(const Observer& watcher, const std::string& topic) {
        return watcher.wait_for([&](const auto& stats) { return stats.count(topic) > 0; }, 10s);
    }

    fs::path dir;
    std::unique_ptr<ProdBrokerSetup> prod;
    Broker* broker = nullptr;
};

TEST_F(ProdBroker, DeviceCannotPublishOnAnotherDevicesTopic) {
    Observer gateway(as("gw1", "gw-gw1"));
    gateway.subscribe(*topics::dev_event_filter("gw1"));
    gateway.subscribe(*topics::dev_state_filter("gw1"));
    Observer device(as("A123-000001", "A123-000001"));
    device.publish(*topics::dev_event("gw1", "A123-000002"), R"({"type":"ready","campaign":"c1","fw_ids":[]})");
    device.publish(*topics::dev_state("gw1", "A123-000002"), "forged", true);
    device.publish(*topics::dev_event("gw1", "A123-000001"), "control");  // its own topic: allowed
    ASSERT_TRUE(saw(gateway, *topics::dev_event("gw1", "A123-000001")));
    auto stats = gateway.stats();
    EXPECT_EQ(stats.count(*topics::dev_event("gw1", "A123-000002")), 0u);
    EXPECT_EQ(stats.count(*topics::dev_state("gw1", "A123-000002")), 0u);
    // Nor can it read another device's commands.
    Observer reader(as("A123-000001", "A123-000001-reader"));
    reader.subscribe(*topics::dev_cmd("gw1", "A123-000002"));
    reader.subscribe(*topics::dev_cmd("gw1", "A123-000001"));
    Observer gw_pub(as("gw1", "gw-gw1-pub"));
    gw_pub.publish(*topics::dev_cmd("gw1", "A123-000002"), "for 2");
    gw_pub.publish(*topics::dev_cmd("gw1", "A123-000001"), "for 1");
    ASSERT_TRUE(saw(reader, *topics::dev_cmd("gw1", "A123-000001")));
    EXPECT_EQ(reader.stats().count(*topics::dev_cmd("gw1", "A123-000002")), 0u);
}

TEST_F(ProdBroker, DeviceCannotPublishOnManagerTopic) {
    Observer manager(as("manager", "manager-watch"));
    manager.subscribe(topics::manager_request_filter());
    manager.subscribe(topics::gw_report_filter());
    Observer gateway(as("gw1", "gw-gw1"));
    gateway.subscribe(*topics::gw_schedule_filter("gw1"));
    gateway.subscribe(*topics::dev_event_filter("gw1"));
    Observer operator_cli(as("operator", "op-watch"));
    operator_cli.subscribe("fleetcast/v1/fw/+/manifest");
    operator_cli.subscribe(topics::manager_state());

    Observer device(as("A123-000001", "A123-000001"));
    device.publish(*topics::manager_request("A123-000001", "A123-000001"),
                   R"({"type":"request","req_id":"r1","op":"campaign_create","args":{"all":true}})");
    // Nor under an operator's identity (issue 19 item 3: the audit log trusts it).
    device.publish(*topics::manager_request("operator", "A123-000001"),
                   R"({"type":"request","req_id":"r2","op":"campaign_create","args":{"all":true}})");
    device.publish(*topics::gw_schedule("gw1", "c-evil"), "forged schedule", true);
    device.publish(*topics::fw_manifest("0123456789abcdef"), "forged manifest", true);
    device.publish(topics::manager_state(), "forged state", true);
    device.publish(*topics::gw_report("gw1"), "forged report");
    device.publish(*topics::dev_event("gw1", "A123-000001"), "control");
    ASSERT_TRUE(saw(gateway, *topics::dev_event("gw1", "A123-000001")));
    EXPECT_EQ(manager.stats().count(*topics::manager_request("A123-000001", "A123-000001")), 0u);
    EXPECT_EQ(manager.stats().count(*topics::manager_request("operator", "A123-000001")), 0u);
    EXPECT_EQ(manager.stats().count(*topics::gw_report("gw1")), 0u);
    EXPECT_EQ(gateway.stats().count(*topics::gw_schedule("gw1", "c-evil")), 0u);
    EXPECT_TRUE(operator_cli.stats().empty());
    // The operator identity may send requests: the same message from it arrives.
    Observer op(as("operator", "op1"));
    op.publish(*topics::manager_request("operator", "op1"), "{}");
    EXPECT_TRUE(saw(manager, *topics::manager_request("operator", "op1")));
}

TEST_F(ProdBroker, UnauthenticatedClientCannotConnect) {
    BlockingQueue<MqttEvent> queue(64);
    // TLS with the right CA but no client certificate: the handshake fails.
    auto no_cert = as("A123-000001", "nocert");
    no_cert.cert_file.clear();
    no_cert.key_file.clear();
    MqttSession anonymous(no_cert, queue);
    ASSERT_TRUE(anonymous.start());
    EXPECT_FALSE(anonymous.wait_connected(3s)) << "a client without a certificate connected";
    anonymous.stop();
    // Plain MQTT on the TLS port: refused.
    auto plain = no_cert;
    plain.uri = broker->uri();
    plain.ca_file.clear();
    plain.client_id = "plain";
    MqttSession cleartext(plain, queue);
    ASSERT_TRUE(cleartext.start());
    EXPECT_FALSE(cleartext.wait_connected(3s)) << "a cleartext client connected";
    cleartext.stop();
    // The same identity with its certificate connects (the refusals above were about credentials).
    MqttSession good(as("A123-000001", "A123-000001"), queue);
    ASSERT_TRUE(good.start());
    EXPECT_TRUE(good.wait_connected(10s));
    good.stop();
}

TEST_F(ProdBroker, ManagerConnectsOverTlsWithItsCertificate) {
    Observer operator_cli(as("operator", "op-watch"));
    operator_cli.subscribe(topics::manager_state());
    auto keys = dir / "keys";
    auto kg = run_command({FLEETCAST_CLI_BIN, "keygen", "--out", keys.string()}, 10s);
    ASSERT_EQ(kg.exit_code, 0) << kg.output;
    ChildProcess manager(
        {FLEETCAST_MANAGER_BIN, "--broker", broker->ssl_uri(), "--state-dir", (dir / "manager").string(),
         "--signing-key", (keys / "manager.key").string(), "--ca", (dir / "certs" / "ca.crt").string(), "--cert",
         (dir / "certs" / "manager.crt").string(), "--key", (dir / "certs" / "manager.key").string()},
        dir / "manager.log");
    EXPECT_TRUE(operator_cli.wait_for(
        [](const auto& stats) {
            auto it = stats.find(topics::manager_state());
            return it != stats.end() && it->second.last_payload.find("\"online\"") != std::string::npos;
        },
        15s))
        << manager.log_tail();
    // The operator CLI over TLS gets an answer from it.
    auto r = run_command({FLEETCAST_CLI_BIN, "--broker", broker->ssl_uri(), "--ca", (dir / "certs" / "ca.crt").string(),
                          "--cert", (dir / "certs" / "operator.crt").string(), "--key",
                          (dir / "certs" / "operator.key").string(), "firmware", "list"},
                         20s);
    EXPECT_EQ(r.exit_code, 0) << r.output << manager.log_tail();
    manager.stop();
}

}  // namespace

// Issue 16 item 5: only the manager writes a gateway's maintenance window, and
// only that gateway (not a device) reads it.
TEST_F(ProdBroker, OnlyTheManagerWritesAGatewaysWindowAndOnlyThatGatewayReadsIt) {
    const auto window = *topics::gw_window("gw1");
    Observer gateway(as("gw1", "gw-gw1"));
    gateway.subscribe(window);
    gateway.subscribe(*topics::dev_event_filter("gw1"));
    Observer reader(as("A123-000001", "A123-000001-reader"));
    reader.subscribe(window);
    reader.subscribe(*topics::dev_cmd("gw1", "A123-000001"));

    Observer device(as("A123-000001", "A123-000001"));
    device.publish(window, "forged window", true);
    device.publish(*topics::dev_event("gw1", "A123-000001"), "control");
    ASSERT_TRUE(saw(gateway, *topics::dev_event("gw1", "A123-000001")));
    EXPECT_EQ(gateway.stats().count(window), 0u) << "a device wrote the window";

    Observer manager(as("manager", "manager-pub"));
    manager.publish(window, "from the manager", true);
    ASSERT_TRUE(saw(gateway, window));
    EXPECT_EQ(gateway.last_payload(window), "from the manager");
    Observer gw_pub(as("gw1", "gw-gw1-pub"));
    gw_pub.publish(*topics::dev_cmd("gw1", "A123-000001"), "control");
    ASSERT_TRUE(saw(reader, *topics::dev_cmd("gw1", "A123-000001")));
    EXPECT_EQ(reader.stats().count(window), 0u) << "a device read the gateway's window";
}
