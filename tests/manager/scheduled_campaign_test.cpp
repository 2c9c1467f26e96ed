// Campaign creation with planned times, model selection, Fig. 21 reasons and
// measured link rates (R6, R9, R10), on a manual clock.
#include "tests/manager/manager_fixture.hpp"

namespace fleetcast::manager::testing {
namespace {

using namespace std::chrono_literals;

std::map<std::string, std::string> skipped(const OperatorResponse& resp) {
    std::map<std::string, std::string> out;
    const cJSON* s = nullptr;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(resp.data.get(), "skipped")) {
        out[field(s, "device")] = field(s, "reason");
    }
    return out;
}

class ScheduledCampaignTest : public ManagerTest {
   protected:
    void report_rate(const std::string& gw, const std::string& device, std::uint64_t bytes, std::uint64_t millis) {
        RateReport r;
        r.link = device.empty() ? RateLink::Manager : RateLink::Device;
        r.device = device;
        r.bytes = bytes;
        r.millis = millis;
        r.source = "probe";
        r.at = clock.now();
        deliver(*topics::gw_report(gw), encode(r));
    }
};

TEST_F(ScheduledCampaignTest, ModelSelectionAndFig21ReasonsLetTheRestGoAhead) {
    add_firmware("A123", "main", "2.0");
    device_seen("gw1", "A123-000001", "A123", {{"main", "1.0"}});
    device_seen("gw1", "A123-000002", "A123", {{"main", "2.0"}});
    device_seen("gw1", "A123-000003", "A123", {{"main", "1.0"}});
    device_seen("gw1", "C999-000001", "C999", {{"main", "1.0"}});
    // A123-000003 went offline: its will carries no versions.
    DeviceState off{"A123-000003", "gw1", "A123", DeviceStatus::Offline, {}, clock.now()};
    deliver(*topics::gw_report("gw1"), encode(DeviceSeenReport{off}));

    auto resp = request("campaign_create", R"({"models":["A123"],"devices":["C999-000001","Z000-000009"]})");
    ASSERT_TRUE(resp.ok) << resp.error;
    EXPECT_EQ(json::get_uint(resp.data.get(), "targets", 100).value(), 1u);
    EXPECT_EQ(skipped(resp), (std::map<std::string, std::string>{{"A123-000002", "UP TO DATE"},
                                                                 {"A123-000003", "OFFLINE"},
                                                                 {"C999-000001", "NO MATCHING FIRMWARE"},
                                                                 {"Z000-000009", "UNREGISTERED"}}));
}

TEST_F(ScheduledCampaignTest, MeasuredRatesAreStoredPerLinkAndListed) {
    report_rate("gw1", "", 1000000, 500);
    report_rate("gw1", "A123-000001", 64000, 100);
    report_rate("gw1", "", 3000000, 1000);  // the latest figure replaces the earlier one
    auto resp = request("rate_list");
    ASSERT_TRUE(resp.ok) << resp.error;
    std::map<std::string, std::uint64_t> by_link;
    const cJSON* r = nullptr;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(resp.data.get(), "rates")) {
        by_link[field(r, "gateway") + "/" + json::get_optional_string(r, "device").value_or("-")] =
            json::get_uint(r, "bytes_per_s", UINT64_MAX).value();
    }
    EXPECT_EQ(by_link, (std::map<std::string, std::uint64_t>{{"gw1/-", 3000000}, {"gw1/A123-000001", 640000}}));
    // A report with a zero duration is bad input, never a stored infinite rate.
    deliver(*topics::gw_report("gw1"),
            R"({"type":"rate","link":"manager","bytes":10,"millis":0,"source":"probe","at":"2026-11-25T21:30:00Z"})");
    EXPECT_EQ(counter("bad_input"), 1u);
}

TEST_F(ScheduledCampaignTest, PushAsapIsPlannedFromImageSizeAndMeasuredRate) {
    auto fw = add_firmware("A123", "main", "2.0", 400000, 4096);
    device_seen("gw1", "A123-000001", "A123", {{"main", "1.0"}});
    report_rate("gw1", "", 100000, 1000);             // 100 kB/s: 4 s download
    report_rate("gw1", "A123-000001", 200000, 1000);  // 200 kB/s: 2 s delivery
    auto resp = request("campaign_create", R"({"all":true,"mode":"push","asap":true,"campaign":"c-asap"})");
    ASSERT_TRUE(resp.ok) << resp.error;
    auto now = clock.now();
    EXPECT_EQ(field(resp.data.get(), "transmit_at"), format_time(now));
    EXPECT_EQ(field(resp.data.get(), "update_at"), format_time(now + 6s));  // 4 s + 2 s minimum margin
    EXPECT_EQ(field(resp.data.get(), "expected_end"), format_time(now + 8s));
    auto s = decode_schedule(transport.on_topic(*topics::gw_schedule("gw1", "c-asap")).back().payload);
    ASSERT_TRUE(s) << s.error().str();
    EXPECT_EQ(s->update_at, now + 6s);
    ASSERT_TRUE(s->transmit_at);
    EXPECT_EQ(*s->transmit_at, now);
    // The image goes out at the transmission time, on the next tick.
    mgr->tick();
    mgr->chunk_server().pump();
    EXPECT_EQ(transport.on_topic(*topics::gw_chunk("gw1", fw.fw_id)).size(), fw.chunk_count);
}

TEST_F(ScheduledCampaignTest, RelativeTimesUseTheManagersClock) {
    add_firmware("A123", "main", "2.0");
    device_seen("gw1", "A123-000001", "A123", {{"main", "1.0"}});
    auto resp =
        request("campaign_create", R"({"all":true,"update_in_ms":3600000,"expires_in_ms":7200000,"campaign":"c-rel"})");
    ASSERT_TRUE(resp.ok) << resp.error;
    EXPECT_EQ(field(resp.data.get(), "update_at"), format_time(clock.now() + 1h));
    EXPECT_EQ(field(resp.data.get(), "expires_at"), format_time(clock.now() + 2h));
}

TEST_F(ScheduledCampaignTest, BadTimesAreRefusedWithTheBadArgsCode) {
    add_firmware("A123", "main", "2.0");
    device_seen("gw1", "A123-000001", "A123", {{"main", "1.0"}});
    for (const char* args : {R"({"all":true,"expires_at":"2020-01-01T00:00:00Z"})",
                             R"({"all":true,"update_in_ms":7200000,"expires_in_ms":3600000})",
                             R"({"all":true,"mode":"pull","transmit_in_ms":1000})",
                             R"({"all":true,"mode":"push","asap":true,"update_in_ms":1000})"}) {
        auto resp = request("campaign_create", args);
        EXPECT_FALSE(resp.ok) << args;
        EXPECT_EQ(resp.code, "bad_args") << args << ": " << resp.error;
    }
    // Nothing was stored or published.
    EXPECT_TRUE(transport.on_topic(*topics::gw_schedule("gw1", "c-x")).empty());
    auto list = request("results", R"({"campaign":"c-x"})");
    EXPECT_FALSE(list.ok);
    EXPECT_EQ(list.code, "not_found");
}

}  // namespace
}  // namespace fleetcast::manager::testing
