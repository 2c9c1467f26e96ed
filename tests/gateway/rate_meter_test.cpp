// The gateway's link rate measurement (R9): real transfers and probes, on a
// manual clock.
#include <gtest/gtest.h>

#include "common/topics.hpp"
#include "gateway/rate_meter.hpp"
#include "tests/support/recording_transport.hpp"

namespace fleetcast::gateway {
namespace {

using namespace std::chrono_literals;

class RateMeterTest : public ::testing::Test {
   protected:
    RateMeter make(bool probe) {
        RateMeterConfig c;
        c.probe = probe;
        c.max_device_probes = 1;
        return RateMeter(transport, clock, counters, "gw1", c);
    }
    std::vector<RateReport> rates() const {
        std::vector<RateReport> out;
        for (const auto& p : transport.on_topic(*topics::gw_report("gw1"))) {
            auto r = decode_gateway_report(p.payload);
            if (r && std::holds_alternative<RateReport>(*r)) out.push_back(std::get<RateReport>(*r));
        }
        return out;
    }
    fleetcast::testing::RecordingTransport transport;
    ManualClock clock{TimePoint(std::chrono::seconds(1795642200))};
    Counters counters;
};

TEST_F(RateMeterTest, DownloadRateCountsOnlyTheTimeWhileChunksArrive) {
    auto meter = make(false);
    meter.manager_chunk("fw1", 1000);  // starts the clock
    for (int i = 0; i < 4; ++i) {
        clock.advance(100ms);
        meter.manager_chunk("fw1", 1000);
    }
    clock.advance(1h);  // a pause (push, then fetch at the update time) is not transfer time
    meter.manager_chunk("fw1", 1000);
    clock.advance(100ms);
    meter.manager_chunk("fw1", 1000);
    meter.manager_download_done("fw1", "fetch");
    auto r = rates();
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].link, RateLink::Manager);
    EXPECT_EQ(r[0].bytes, 5000u);
    EXPECT_EQ(r[0].millis, 500u);
    EXPECT_EQ(r[0].source, "fetch");
    EXPECT_TRUE(meter.has_manager_rate());
}

TEST_F(RateMeterTest, DeviceRateRunsFromOfferToInstalling) {
    auto meter = make(false);
    meter.offered("c1", "A123-000001", 300000);
    clock.advance(3s);
    meter.delivered("c1", "A123-000001");
    meter.delivered("c1", "A123-000001");  // a duplicate progress event reports nothing more
    auto r = rates();
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].link, RateLink::Device);
    EXPECT_EQ(r[0].device, "A123-000001");
    EXPECT_EQ(r[0].bytes_per_second(), 100000.0);
}

TEST_F(RateMeterTest, LinksWithoutAFigureAreProbedOnceAndTimed) {
    auto meter = make(true);
    std::map<std::string, DeviceState> devices;
    devices["A123-000001"] = DeviceState{"A123-000001", "gw1", "A123", DeviceStatus::Idle, {}, clock.now()};
    devices["A123-000002"] = DeviceState{"A123-000002", "gw1", "A123", DeviceStatus::Offline, {}, clock.now()};
    meter.tick(true, devices);
    auto req = transport.on_topic(*topics::gw_probe("gw1"));
    ASSERT_EQ(req.size(), 1u);
    auto probe = decode_probe_request(req[0].payload);
    ASSERT_TRUE(probe) << probe.error().str();
    auto dev = transport.on_topic(*topics::dev_probe("gw1", "A123-000001"));
    ASSERT_EQ(dev.size(), 1u);
    EXPECT_TRUE(transport.on_topic(*topics::dev_probe("gw1", "A123-000002")).empty());  // offline: not probed
    meter.tick(true, devices);  // outstanding probes are not repeated
    EXPECT_EQ(transport.on_topic(*topics::gw_probe("gw1")).size(), 1u);

    clock.advance(200ms);
    ASSERT_TRUE(meter.on_manager_probe_data(encode_probe_data(probe->probe, probe->bytes)));
    auto data = decode_probe_data(dev[0].payload);
    ASSERT_TRUE(data);
    ASSERT_TRUE(meter.on_device_probe_ack("A123-000001", encode(ProbeAck{data->probe, data->bytes})));
    auto r = rates();
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].source, "probe");
    EXPECT_EQ(r[0].millis, 200u);
    EXPECT_EQ(r[1].device, "A123-000001");
    // With figures known, no more probes.
    clock.advance(1min);
    meter.tick(true, devices);
    EXPECT_EQ(transport.on_topic(*topics::gw_probe("gw1")).size(), 1u);
    // Bad probe input is an error for the caller to count, not a crash.
    EXPECT_FALSE(meter.on_manager_probe_data("garbage"));
    EXPECT_FALSE(meter.on_device_probe_ack("A123-000001", "{\"type\":\"probe_ack\"}"));
}

}  // namespace
}  // namespace fleetcast::gateway
