// Issue 17: the manager makes the delta from each target's version once,
// stores and signs it like an image, and lists it in the schedule for the
// devices on that version, with the full image's manifest for a fallback.
#include "common/operator_campaign_views.hpp"
#include "common/sha256.hpp"
#include "tests/manager/delta_fixture.hpp"

namespace fleetcast::manager::testing {

TEST_F(ManagerDeltaTest, CampaignMakesTheDeltaFromTheDevicesVersionOnceAndTheScheduleListsItWithTheImage) {
    const auto v1_bytes = random_bytes(200 * 1024, 1);
    auto v2_bytes = v1_bytes;
    v2_bytes.insert(50000, random_bytes(2000, 2));
    v2_bytes[150000] ^= 0x11;
    const auto v1 = add(v1_bytes, "1.1");
    const auto v2 = add(v2_bytes, "1.2");
    device_seen("gw1", "A123-000001", "A123", {{"main", "1.1"}});
    device_seen("gw1", "A123-000002", "A123", {{"main", "1.1"}});
    device_seen("gw1", "A123-000003", "A123", {{"main", "1.0"}});  // no image of 1.0 here: the full image

    auto c = create_campaign(R"({"all":true,"campaign":"c-delta"})");
    auto s = schedule_of(c);
    ASSERT_EQ(s.devices.size(), 3u);
    const FirmwareManifest* delta = nullptr;
    for (const auto& m : s.firmware)
        if (is_delta(m)) delta = &m;
    ASSERT_NE(delta, nullptr) << "the schedule lists the delta";
    EXPECT_EQ(s.firmware.size(), 2u) << "the delta and the image it rebuilds";
    EXPECT_EQ(delta->encoding->source_sha256, v1.sha256);
    EXPECT_EQ(delta->encoding->source_version, "1.1");
    EXPECT_EQ(delta->encoding->target_sha256, v2.sha256);
    EXPECT_EQ(delta->encoding->target_size, v2.size);
    EXPECT_EQ(delta->version, "1.2");
    EXPECT_LT(delta->size, v2.size / 10);
    EXPECT_FALSE(delta->signature.empty()) << "signed like the image, by the same key";
    EXPECT_EQ(delta->key_id, v2.key_id);
    for (const auto& d : s.devices) {
        ASSERT_EQ(d.fw_ids.size(), 1u);
        EXPECT_EQ(d.fw_ids[0], d.device == "A123-000003" ? v2.fw_id : delta->fw_id) << d.device;
    }
    // Stored content-addressed like an image, listed by firmware list.
    EXPECT_TRUE(std::filesystem::exists(dir / "state" / "images" / delta->sha256));
    EXPECT_EQ(firmware_list().size(), 3u);

    // Another campaign from the same version uses the same delta: made once.
    create_campaign(R"({"all":true,"campaign":"c-again"})");
    EXPECT_EQ(schedule_of("c-again").devices.at(0).fw_ids.at(0), delta->fw_id);
    EXPECT_EQ(firmware_list().size(), 3u);
}

TEST_F(ManagerDeltaTest, DeltaThatSavesTooLittleIsNotUsed) {
    add(random_bytes(100 * 1024, 5), "1.1");
    const auto v2 = add(random_bytes(100 * 1024, 6), "1.2");
    device_seen("gw1", "A123-000001", "A123", {{"main", "1.1"}});
    auto s = schedule_of(create_campaign(R"({"all":true,"campaign":"c-random"})"));
    ASSERT_EQ(s.devices.size(), 1u);
    EXPECT_EQ(s.devices[0].fw_ids, std::vector<std::string>{v2.fw_id});
    EXPECT_EQ(s.firmware.size(), 1u);
    EXPECT_EQ(firmware_list().size(), 2u) << "no delta stored";
}
TEST_F(ManagerDeltaTest, ImageWithoutADeltaGoesCompressedWhenThatSaves) {
    std::string text;
    for (int i = 0; text.size() < 300 * 1024; ++i) text += "firmware line " + std::to_string(i) + "\n";
    const auto image = add(text, "2.0");
    device_seen("gw1", "A123-000001", "A123", {{"main", "1.0"}});
    auto s = schedule_of(create_campaign(R"({"all":true,"campaign":"c-packed"})"));
    const FirmwareManifest* packed = nullptr;
    for (const auto& m : s.firmware)
        if (m.encoding && !is_delta(m)) packed = &m;
    ASSERT_NE(packed, nullptr);
    EXPECT_EQ(packed->encoding->target_sha256, image.sha256);
    EXPECT_EQ(packed->encoding->target_size, image.size);
    EXPECT_LT(packed->size * 4, image.size);
    EXPECT_EQ(s.devices.at(0).fw_ids, std::vector<std::string>{packed->fw_id});
    EXPECT_EQ(s.firmware.size(), 2u) << "the compressed copy and the image";
}

// Issue 17 item 7: bytes per manager->gateway link and what the delta saved,
// for a gateway whose devices get a delta and one whose device gets the image.
TEST_F(ManagerDeltaTest, ResultsAndCampaignListShowTheBytesSentPerGatewayAndWhatTheDeltaSaved) {
    const auto v1_bytes = random_bytes(200 * 1024, 1);
    auto v2_bytes = v1_bytes;
    v2_bytes.insert(50000, random_bytes(2000, 2));
    add(v1_bytes, "1.1");
    const auto v2 = add(v2_bytes, "1.2");
    device_seen("gw1", "A123-000001", "A123", {{"main", "1.1"}});
    device_seen("gw2", "A123-000002", "A123", {{"main", "1.0"}});  // no image of 1.0: the full image
    auto c = create_campaign(R"({"all":true,"campaign":"c-links"})");
    const FirmwareManifest* delta = nullptr;
    auto s = schedule_of(c);
    for (const auto& m : s.firmware)
        if (is_delta(m)) delta = &m;
    ASSERT_NE(delta, nullptr);

    // Nothing sent yet: both gateways listed with zero.
    auto before = results_links(c);
    ASSERT_EQ(before.size(), 2u);
    EXPECT_EQ(before["gw1"], (LinkBytes{"gw1", 0, 0}));
    EXPECT_EQ(before["gw2"], (LinkBytes{"gw2", 0, 0}));

    fetch_all("gw1", *delta);
    fetch_all("gw2", v2);
    for (const auto& links : {results_links(c), list_links(c)}) {
        ASSERT_EQ(links.size(), 2u);
        EXPECT_EQ(links.at("gw1").bytes, delta->size);
        EXPECT_EQ(links.at("gw1").saved, v2.size - delta->size) << "the full image minus the delta";
        EXPECT_EQ(links.at("gw2").bytes, v2.size);
        EXPECT_EQ(links.at("gw2").saved, 0u) << "the full image saves nothing";
    }
    // Half the delta again (a repair): saves in proportion.
    deliver(*topics::gw_fetch("gw1"), encode(FetchRequest{delta->fw_id, {{0, 0}}}));
    mgr->tick();
    const auto first_chunk = std::min<std::uint64_t>(delta->chunk_size, delta->size);
    auto again = results_links(c).at("gw1");
    EXPECT_EQ(again.bytes, delta->size + first_chunk);
    EXPECT_NEAR(static_cast<double>(again.saved),
                static_cast<double>(v2.size - delta->size) +
                    static_cast<double>(first_chunk) * (static_cast<double>(v2.size) / delta->size - 1.0),
                1.0);
}

TEST_F(ManagerDeltaTest, CampaignWithoutADeltaShowsTheFullImageBytesAndNothingSaved) {
    add(random_bytes(100 * 1024, 5), "1.1");
    const auto v2 = add(random_bytes(100 * 1024, 6), "1.2");  // no useful delta, incompressible
    device_seen("gw1", "A123-000001", "A123", {{"main", "1.1"}});
    auto c = create_campaign(R"({"all":true,"campaign":"c-full"})");
    ASSERT_EQ(schedule_of(c).firmware.size(), 1u);
    fetch_all("gw1", v2);
    for (const auto& links : {results_links(c), list_links(c)}) {
        ASSERT_EQ(links.size(), 1u);
        EXPECT_EQ(links.at("gw1"), (LinkBytes{"gw1", v2.size, 0}));
    }
}

}  // namespace fleetcast::manager::testing
