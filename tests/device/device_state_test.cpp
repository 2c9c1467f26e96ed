// The non-volatile state file format.
#include "device/device_state.hpp"

#include <gtest/gtest.h>

namespace fleetcast::device {
namespace {

TEST(DeviceNvState, RoundTripsEveryField) {
    DeviceNvState s;
    s.boot_count = 7;
    s.pending_campaign = "c1";
    s.components["main"] = {Slot::B, "2.0", std::string(64, 'a')};
    s.components["df"] = {Slot::A, "1.0", std::string(64, 'b')};
    FirmwareManifest m;
    m.fw_id = "cccccccccccccccc";
    m.model = "A123";
    m.component = "main";
    m.version = "3.0";
    m.size = 5000;
    m.sha256 = std::string(64, 'c');
    m.chunk_size = 1024;
    m.chunk_count = 5;
    s.update = UpdateInProgress{"c2", {m}};
    s.held_campaign = "c3";
    auto back = decode_nv_state(encode_nv_state(s));
    ASSERT_TRUE(back.ok()) << back.error().str();
    EXPECT_EQ(back->boot_count, 7u);
    EXPECT_EQ(back->pending_campaign, "c1");
    EXPECT_EQ(back->components.at("main").active, Slot::B);
    EXPECT_EQ(back->components.at("df").version, "1.0");
    ASSERT_TRUE(back->update.has_value());
    EXPECT_EQ(back->update->campaign, "c2");
    EXPECT_EQ(back->update->firmware.at(0).fw_id, m.fw_id);
    EXPECT_EQ(back->held_campaign, "c3");
}

TEST(DeviceNvState, RejectsDamagedFiles) {
    EXPECT_FALSE(decode_nv_state("").ok());
    EXPECT_FALSE(decode_nv_state(R"({"format":1,"boot_count":1,"components":{}})").ok());
    EXPECT_FALSE(
        decode_nv_state(R"({"format":1,"boot_count":1,"components":{"main":{"slot":"c","version":"1","sha256":"x"}}})")
            .ok());
    EXPECT_FALSE(
        decode_nv_state(R"({"format":1,"boot_count":1,"components":{"a/b":{"slot":"a","version":"1","sha256":"x"}}})")
            .ok());
}

}  // namespace
}  // namespace fleetcast::device
