// Issue 17: the manager makes the delta from each target's version once,
// stores and signs it like an image, and lists it in the schedule for the
// devices on that version, with the full image's manifest for a fallback.
#include <fstream>
#include <random>

#include "common/operator_campaign_views.hpp"
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
    // The gateway fetches every chunk of `m` (as after a schedule).
    void fetch_all(const std::string& gw, const FirmwareManifest& m) {
        deliver(*topics::gw_fetch(gw), encode(FetchRequest{m.fw_id, {{0, m.chunk_count - 1}}}));
        for (int i = 0; i < 100 && mgr->store().transfer(gw, m.fw_id)->chunks_sent < m.chunk_count; ++i) mgr->tick();
    }
    // Issue 17 item 7: the campaign's links as results and campaign list show them.
    std::map<std::string, LinkBytes> results_links(const std::string& campaign) {
        auto resp = request("results", R"({"campaign":")" + campaign + R"("})");
        EXPECT_TRUE(resp.ok) << resp.error;
        auto a = results_answer_from_json(resp.data.get());
        EXPECT_TRUE(a && a->links) << (a ? "no links" : a.error().str());
        std::map<std::string, LinkBytes> out;
        if (a && a->links)
            for (const auto& l : *a->links) out[l.gateway] = l;
        return out;
    }
    std::map<std::string, LinkBytes> list_links(const std::string& campaign) {
        auto resp = request("campaign_list", R"({"campaign":")" + campaign + R"("})");
        EXPECT_TRUE(resp.ok) << resp.error;
        auto a = campaign_list_answer_from_json(resp.data.get());
        EXPECT_TRUE(a && a->campaigns.size() == 1 && a->campaigns[0].links);
        std::map<std::string, LinkBytes> out;
        if (a && a->campaigns.size() == 1 && a->campaigns[0].links)
            for (const auto& l : *a->campaigns[0].links) out[l.gateway] = l;
        return out;
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
