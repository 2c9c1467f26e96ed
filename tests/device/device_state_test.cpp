// The non-volatile state file format.
#include "device/device_state.hpp"

#include <gtest/gtest.h>

namespace fleetcast::device {
namespace {

FirmwareManifest sample_manifest() {
    FirmwareManifest m;
    m.fw_id = "cccccccccccccccc";
    m.model = "A123";
    m.component = "main";
    m.version = "3.0";
    m.size = 5000;
    m.sha256 = std::string(64, 'c');
    m.chunk_size = 1024;
    m.chunk_count = 5;
    return m;
}

TEST(DeviceNvState, RoundTripsEveryField) {
    DeviceNvState s;
    s.boot_count = 7;
    s.pending_campaign = "c1";
    s.components["main"] = {Slot::B, "2.0", std::string(64, 'a')};
    s.components["df"] = {Slot::A, "1.0", std::string(64, 'b')};
    auto m = sample_manifest();
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

constexpr const char* kComponents = R"("components":{"main":{"slot":"a","version":"1.0","sha256":"x"}})";

std::string old_file(const std::string& extra) {
    return std::string(R"({"format":1,"boot_count":3,)") + kComponents + extra + "}";
}

TEST(DeviceNvState, UpdateStateRoundTrips) {
    DeviceNvState s;
    s.components["main"] = {Slot::A, "1.0", std::string(64, 'a')};
    s.postponed_until = TimePoint(std::chrono::seconds(1795000000));
    s.update_state = UpdateState::Postponed;
    auto back = decode_nv_state(encode_nv_state(s));
    ASSERT_TRUE(back.ok()) << back.error().str();
    EXPECT_EQ(back->update_state, UpdateState::Postponed);
    EXPECT_NE(encode_nv_state(s).find(R"("update_state":"postponed")"), std::string::npos);
}

TEST(DeviceNvState, FileWithoutUpdateStateGetsTheStateItsDataImplies) {
    // Written before "update_state" existed.
    auto idle = decode_nv_state(old_file(""));
    ASSERT_TRUE(idle.ok()) << idle.error().str();
    EXPECT_EQ(idle->update_state, UpdateState::Idle);
    auto held = decode_nv_state(old_file(R"(,"held_campaign":"c3")"));
    ASSERT_TRUE(held.ok()) << held.error().str();
    EXPECT_EQ(held->update_state, UpdateState::Held);
    auto postponed = decode_nv_state(old_file(R"(,"postponed_until":"2026-11-20T10:00:00Z")"));
    ASSERT_TRUE(postponed.ok()) << postponed.error().str();
    EXPECT_EQ(postponed->update_state, UpdateState::Postponed);
    const std::string trial =
        R"(,"trial":{"campaign":"c1","attempted":false,"fw_ids":{"main":"abcdefabcdefabcd"},"previous":{}})";
    auto restarting = decode_nv_state(old_file(trial));
    ASSERT_TRUE(restarting.ok()) << restarting.error().str();
    EXPECT_EQ(restarting->update_state, UpdateState::Restarting);
    auto attempted =
        decode_nv_state(old_file(R"(,"trial":{"campaign":"c1","attempted":true,"fw_ids":{},"previous":{}})"));
    ASSERT_TRUE(attempted.ok()) << attempted.error().str();
    EXPECT_EQ(attempted->update_state, UpdateState::TrialBoot);

    DeviceNvState s;
    s.components["main"] = {Slot::A, "1.0", std::string(64, 'a')};
    auto m = sample_manifest();
    s.update = UpdateInProgress{"c2", {m}};
    EXPECT_EQ(update_state_of(s), UpdateState::Receiving);
    s.update.reset();
    s.pending_request = PendingRequest{"c2", {m}, TimePoint{}};
    EXPECT_EQ(update_state_of(s), UpdateState::AwaitingDeferment);
}

TEST(DeviceNvState, RejectsAStateWithoutItsData) {
    EXPECT_FALSE(decode_nv_state(old_file(R"(,"update_state":"receiving")")).ok());
    EXPECT_FALSE(decode_nv_state(old_file(R"(,"update_state":"awaiting_deferment")")).ok());
    EXPECT_FALSE(decode_nv_state(old_file(R"(,"update_state":"restarting")")).ok());
    EXPECT_FALSE(decode_nv_state(old_file(R"(,"update_state":"flashing")")).ok());
    EXPECT_TRUE(decode_nv_state(old_file(R"(,"update_state":"idle")")).ok());
}

}  // namespace
}  // namespace fleetcast::device
