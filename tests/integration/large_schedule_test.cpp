// Issue 20 item 5: a site of 200,000 devices gets its whole schedule through
// a real mosquitto with the project's broker config (max_packet_size 8 MiB):
// the retained schedule reaches a subscriber and decodes to every device.
#include <gtest/gtest.h>

#include <set>

#include "common/blocking_queue.hpp"
#include "common/messages.hpp"
#include "common/mqtt_session.hpp"
#include "common/topics.hpp"
#include "tests/support/broker.hpp"
#include "tests/support/temp_dir.hpp"

using namespace fleetcast;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kDevices = 200000;
constexpr std::size_t kBrokerPacketLimit = 8388608;  // broker-config/dev.conf max_packet_size

FirmwareManifest manifest(const std::string& fw_id, const std::string& model) {
    FirmwareManifest m;
    m.fw_id = fw_id;
    m.model = model;
    m.component = "main";
    m.version = "2.0";
    m.size = 8 << 20;
    m.sha256 = std::string(64, 'a');
    m.chunk_size = 64 * 1024;
    m.chunk_count = 128;
    return m;
}

Schedule site_schedule() {
    Schedule s;
    s.campaign = "c-20261206-230000-big1";
    s.update_at = std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
    const std::vector<std::pair<std::string, std::string>> models{
        {"A123", "0123456789abcdef"}, {"B456", "1123456789abcdef"}, {"C789", "2123456789abcdef"}};
    for (const auto& [model, fw] : models) s.firmware.push_back(manifest(fw, model));
    s.devices.reserve(kDevices);
    for (std::size_t i = 0; i < kDevices; ++i) {
        const auto& [model, fw] = models[i % models.size()];
        char id[32];
        std::snprintf(id, sizeof id, "%s-%06zu", model.c_str(), i);
        s.devices.push_back({id, model, {fw}});
    }
    return s;
}

TEST(LargeSchedule, TwoHundredThousandDeviceScheduleRoundTripsThroughTheBroker) {
    fleetcast::testing::TempDir dir;
    fleetcast::testing::Broker broker(dir.path);
    const auto sent = site_schedule();
    auto payload = encode(sent);
    // Far enough below the limit to leave room for longer device ids.
    EXPECT_LT(payload.size(), kBrokerPacketLimit / 2) << "schedule of " << kDevices << " devices";
    const auto topic = topics::gw_schedule("gw1", sent.campaign);
    ASSERT_TRUE(topic);

    BlockingQueue<MqttEvent> pub_events(100), sub_events(100);
    MqttOptions o;
    o.uri = broker.uri();
    o.client_id = "large-schedule-pub";
    o.clean_session = true;
    MqttSession pub(o, pub_events);
    ASSERT_TRUE(pub.start());
    ASSERT_TRUE(pub.wait_connected(30s));
    ASSERT_TRUE(pub.publish(*topic, payload, true));
    // Retained: a gateway subscribing afterwards (a restart) gets it too.
    o.client_id = "large-schedule-gw1";
    MqttSession sub(o, sub_events);
    ASSERT_TRUE(sub.start());
    ASSERT_TRUE(sub.wait_connected(30s));
    ASSERT_TRUE(sub.subscribe(*topic));
    std::optional<MqttEvent> got;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!got && std::chrono::steady_clock::now() < deadline) {
        auto e = sub_events.pop_for(200ms);
        if (e && e->kind == MqttEvent::Kind::Message && e->topic == *topic) got = std::move(e);
    }
    ASSERT_TRUE(got) << "no schedule arrived; broker log:\n" << broker.log_tail();
    EXPECT_TRUE(got->retained);
    EXPECT_EQ(got->payload.size(), payload.size());
    auto decoded = decode_schedule(got->payload);
    ASSERT_TRUE(decoded) << decoded.error().str();
    ASSERT_EQ(decoded->devices.size(), kDevices);
    std::set<std::string> ids;
    for (const auto& t : decoded->devices) {
        ids.insert(t.device);
        ASSERT_EQ(t.fw_ids.size(), 1u);
        ASSERT_EQ(t.fw_ids[0].front(), t.model == "A123" ? '0' : t.model == "B456" ? '1' : '2') << t.device;
    }
    EXPECT_EQ(ids.size(), kDevices);
    EXPECT_EQ(ids.count("C789-199997"), 1u);
    sub.stop();
    pub.stop();
}

}  // namespace
