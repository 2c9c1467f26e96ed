#pragma once
// Drives a DeviceAgent with a RecordingTransport, a ManualClock and a fresh
// state directory; builds firmware images, manifests and chunks.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "common/atomic_file.hpp"
#include "common/chunk_codec.hpp"
#include "common/messages.hpp"
#include "common/partial_image.hpp"
#include "common/sha256.hpp"
#include "common/topics.hpp"
#include "device/device_agent.hpp"
#include "tests/support/recording_transport.hpp"
#include "tests/support/test_keys.hpp"

namespace fleetcast::device::testing {

struct Image {
    std::string bytes;
    FirmwareManifest manifest;
};

inline Image make_image(const std::string& model, const std::string& component, const std::string& version,
                        std::size_t size, std::uint32_t chunk_size = 1024, unsigned seed = 1) {
    Image img;
    img.bytes.resize(size);
    std::uint32_t x = seed * 2654435761u + 12345u;
    for (auto& c : img.bytes) {
        x = x * 1664525u + 1013904223u;
        c = static_cast<char>(x >> 24);
    }
    auto& m = img.manifest;
    m.sha256 = to_hex(sha256(img.bytes));
    m.fw_id = m.sha256.substr(0, 16);
    m.model = model;
    m.component = component;
    m.version = version;
    m.size = size;
    m.chunk_size = chunk_size;
    m.chunk_count = chunk_count_for(size, chunk_size);
    fleetcast::testing::sign_for_test(m, img.bytes);
    return img;
}

inline std::string chunk_of(const Image& img, std::uint32_t i) {
    auto len = chunk_length(img.manifest.size, img.manifest.chunk_size, i);
    return encode_chunk(i, img.manifest.chunk_count,
                        std::string_view(img.bytes).substr(std::size_t{i} * img.manifest.chunk_size, len));
}

class DeviceAgentTest : public ::testing::Test {
   protected:
    void SetUp() override {
        std::string tmpl = (std::filesystem::temp_directory_path() / "fc-device-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir); }

    DeviceConfig config() const {
        DeviceConfig c;
        c.id = "A123-000001";
        c.model = "A123";
        c.gateway = "gw1";
        c.state_dir = dir;
        c.initial_firmware = {{"main", "1.0"}};
        c.trust_keys = fleetcast::testing::test_trust_keys();
        return c;
    }
    std::unique_ptr<DeviceAgent> start_agent(const DeviceConfig& c) {
        auto a = std::make_unique<DeviceAgent>(c, transport, clock, counters);
        EXPECT_TRUE(a->start().ok());
        return a;
    }
    std::unique_ptr<DeviceAgent> start_agent() { return start_agent(config()); }

    void deliver(DeviceAgent& a, const std::string& topic, const std::string& payload) {
        a.handle(MqttEvent{MqttEvent::Kind::Message, 0, topic, payload, false});
    }
    void command(DeviceAgent& a, const std::string& payload) {
        deliver(a, *topics::dev_cmd("gw1", a.config().id), payload);
    }
    void offer(DeviceAgent& a, const std::string& campaign, const std::vector<const Image*>& images) {
        OfferCmd o;
        o.campaign = campaign;
        for (auto* i : images) o.firmware.push_back(i->manifest);
        command(a, encode(o));
    }
    void fanout(DeviceAgent& a, const Image& img, std::uint32_t first, std::uint32_t last) {
        auto topic = *topics::site_model_chunk("gw1", img.manifest.model, img.manifest.fw_id);
        for (std::uint32_t i = first; i <= last; ++i) deliver(a, topic, chunk_of(img, i));
    }
    // fanout_done comes on the device's data topic, behind the fan-out's chunks.
    void fanout_done(DeviceAgent& a, const FanoutDoneCmd& cmd) {
        a.handle_data(MqttEvent{MqttEvent::Kind::Message, 0, *topics::dev_fanout_done("gw1", a.config().id, cmd.fw_id),
                                encode(cmd), false});
    }
    void fanout_all(DeviceAgent& a, const Image& img) { fanout(a, img, 0, img.manifest.chunk_count - 1); }

    std::vector<DeviceEvent> events() const {
        std::vector<DeviceEvent> out;
        for (const auto& p : transport.on_topic(*topics::dev_event("gw1", "A123-000001"))) {
            auto e = decode_device_event(p.payload);
            EXPECT_TRUE(e.ok()) << p.payload;
            if (e) out.push_back(*e);
        }
        return out;
    }
    template <typename T>
    std::vector<T> events_of() const {
        std::vector<T> out;
        for (const auto& e : events())
            if (auto* t = std::get_if<T>(&e)) out.push_back(*t);
        return out;
    }
    std::vector<DeviceState> states() const {
        std::vector<DeviceState> out;
        for (const auto& p : transport.on_topic(*topics::dev_state("gw1", "A123-000001"))) {
            auto s = decode_device_state(p.payload);
            EXPECT_TRUE(s.ok()) << p.payload;
            EXPECT_TRUE(p.retained);
            if (s) out.push_back(*s);
        }
        return out;
    }
    std::string slot_file(const std::string& component, Slot s) const {
        auto text = read_file(dir / "slots" / component / (std::string(to_string(s)) + ".img"));
        return text ? *text : std::string();
    }
    std::string state_file() const {
        auto text = read_file(dir / "state.json");
        return text ? *text : std::string();
    }

    std::filesystem::path dir;
    fleetcast::testing::RecordingTransport transport;
    ManualClock clock{std::chrono::system_clock::time_point(std::chrono::seconds(1795000000))};
    Counters counters;
};

}  // namespace fleetcast::device::testing
