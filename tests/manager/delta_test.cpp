// Issue 17: the manager makes the delta from each target's version once,
// stores and signs it like an image, and lists it in the schedule for the
// devices on that version, with the full image's manifest for a fallback.
#include <fstream>
#include <random>

#include "common/operator_views.hpp"
#include "common/sha256.hpp"
#include "tests/manager/manager_fixture.hpp"

namespace fleetcast::manager::testing {
namespace {

class ManagerDeltaTest : public ManagerTest {
   protected:
    std::filesystem::path write_bytes(const std::string& name, const std::string& bytes) {
        auto path = dir / name;
        std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        return path;
    }
    static std::string random_bytes(std::size_t n, unsigned seed) {
        std::mt19937 rng(seed);
        std::string s(n, '\0');
        for (auto& c : s) c = static_cast<char>(rng());
        return s;
    }
    FirmwareManifest add(const std::string& bytes, const std::string& version) {
        auto args = Json::object();
        json::put(args.get(), "path", write_bytes("image-" + version, bytes).string());
        json::put(args.get(), "model", "A123");
        json::put(args.get(), "component", "main");
        json::put(args.get(), "version", version);
        json::put(args.get(), "chunk_size", std::uint64_t{4096});
        auto resp = request("firmware_add", args.dump());
        EXPECT_TRUE(resp.ok) << resp.error;
        auto m = manifest_from_json(resp.data.get());
        return m ? *m : FirmwareManifest{};
    }
    Schedule schedule_of(const std::string& campaign) {
        auto sent = transport.on_topic(*topics::gw_schedule("gw1", campaign));
        EXPECT_FALSE(sent.empty());
        auto s =
            sent.empty() ? Expected<Schedule>(make_error("none", "no schedule")) : decode_schedule(sent.back().payload);
        EXPECT_TRUE(s) << (s ? "" : s.error().str());
        return s ? *s : Schedule{};
    }
    std::vector<FirmwareManifest> firmware_list() {
        auto resp = request("firmware_list");
        auto a = firmware_list_answer_from_json(resp.data.get());
        std::vector<FirmwareManifest> out;
        if (a)
            for (const auto& r : a->firmware) out.push_back(r.manifest);
        return out;
    }
};

}  // namespace

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

}  // namespace fleetcast::manager::testing
