#include <fstream>
#include <sstream>

#include "common/operator_views.hpp"
#include "common/sha256.hpp"
#include "tests/manager/manager_fixture.hpp"

namespace fleetcast::manager::testing {
namespace {

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::size_t files_in(const std::filesystem::path& d) {
    return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(d), {}));
}

class FirmwareTest : public ManagerTest {
   protected:
    OperatorResponse add(const std::string& path, const std::string& model, const std::string& component,
                         const std::string& version, std::uint64_t chunk_size = 65536) {
        auto args = Json::object();
        json::put(args.get(), "path", path);
        json::put(args.get(), "model", model);
        json::put(args.get(), "component", component);
        json::put(args.get(), "version", version);
        json::put(args.get(), "chunk_size", chunk_size);
        return request("firmware_add", args.dump());
    }
};

TEST_F(FirmwareTest, FirmwareAddStoresImageContentAddressed) {
    auto path = write_file("image.bin", 200 * 1000);
    const auto sha = to_hex(sha256(slurp(path)));

    auto resp = add(path.string(), "A123", "main", "2.0");
    ASSERT_TRUE(resp.ok) << resp.error;
    auto m = manifest_from_json(resp.data.get());
    ASSERT_TRUE(m) << m.error().str();
    EXPECT_EQ(m->fw_id, sha.substr(0, 16));
    EXPECT_EQ(m->sha256, sha);
    EXPECT_EQ(m->size, 200u * 1000);
    EXPECT_EQ(m->chunk_size, 65536u);
    EXPECT_EQ(m->chunk_count, 4u);

    // The image is stored under its SHA-256, byte for byte, with no temp file left.
    auto stored = dir / "state" / "images" / sha;
    ASSERT_TRUE(std::filesystem::exists(stored));
    EXPECT_EQ(slurp(stored), slurp(path));
    EXPECT_EQ(files_in(dir / "state" / "images"), 1u);

    // The manifest is retained on its topic.
    auto published = transport.on_topic(*topics::fw_manifest(m->fw_id));
    ASSERT_EQ(published.size(), 1u);
    EXPECT_TRUE(published[0].retained);
    auto retained = decode_manifest(published[0].payload);
    ASSERT_TRUE(retained);
    EXPECT_EQ(retained->sha256, sha);

    // An identical re-add is idempotent; other metadata for the same bytes is refused.
    auto again = add(path.string(), "A123", "main", "2.0");
    ASSERT_TRUE(again.ok) << again.error;
    EXPECT_EQ(field(again.data.get(), "fw_id"), m->fw_id);
    auto other = add(path.string(), "A123", "main", "2.1");
    EXPECT_FALSE(other.ok);
    EXPECT_NE(other.error.find("already registered"), std::string::npos) << other.error;

    // A different image may not reuse a model/component/version.
    auto path2 = write_file("image2.bin", 5000, 7);
    auto clash = add(path2.string(), "A123", "main", "2.0");
    EXPECT_FALSE(clash.ok);

    auto list = request("firmware_list");
    ASSERT_TRUE(list.ok);
    EXPECT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(list.data.get(), "firmware")), 1);
    EXPECT_EQ(files_in(dir / "state" / "images"), 1u);
}

TEST_F(FirmwareTest, FirmwareAddRejectsMissingFileAndBadIds) {
    auto good = write_file("good.bin", 4096);
    auto empty = write_file("empty.bin", 0);
    struct Case {
        std::string path, model, component, version;
        std::uint64_t chunk_size;
    } cases[] = {
        {(dir / "missing.bin").string(), "A123", "main", "1.0", 65536},
        {"relative.bin", "A123", "main", "1.0", 65536},
        {good.string(), "A1/23", "main", "1.0", 65536},
        {good.string(), "A123", "+", "1.0", 65536},
        {good.string(), "A#", "main", "1.0", 65536},
        {good.string(), "A123", "main", "1 0", 65536},
        {good.string(), "A123", "main", "", 65536},
        {good.string(), "A123", "main", "1.0", 100},
        {good.string(), "A123", "main", "1.0", 64 * 1024 * 1024},
        {empty.string(), "A123", "main", "1.0", 65536},
        {dir.string(), "A123", "main", "1.0", 65536},
    };
    for (const auto& c : cases) {
        auto resp = add(c.path, c.model, c.component, c.version, c.chunk_size);
        EXPECT_FALSE(resp.ok) << c.path << " " << c.model << " " << c.component << " " << c.version;
        EXPECT_FALSE(resp.error.empty());
    }
    auto list = request("firmware_list");
    ASSERT_TRUE(list.ok);
    EXPECT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(list.data.get(), "firmware")), 0);
    EXPECT_EQ(files_in(dir / "state" / "images"), 0u);
    EXPECT_TRUE(transport.on_topic(*topics::fw_manifest("0123456789abcdef")).empty());
    EXPECT_EQ(counter("bad_input"), std::size(cases));
}

}  // namespace
}  // namespace fleetcast::manager::testing

namespace fleetcast::manager::testing {
namespace {

class FirmwareDelete : public ManagerTest {};

TEST_F(FirmwareDelete, IsRefusedWhileACampaignUsesItThenRemovesManifestAndImage) {
    auto m = add_firmware("A123", "main", "2.0");
    device_seen("gw1", "A123-000001", "A123", {{"main", "1.0"}});
    deliver(*topics::gw_state("gw1"), encode(ProcessState{"gateway", "gw1", true, clock.now(), {}}));
    create_campaign(R"({"all":true,"campaign":"c-1"})");
    // firmware list names the campaigns that use an image.
    auto list = request("firmware_list");
    ASSERT_TRUE(list.ok) << list.error;
    auto answer = firmware_list_answer_from_json(list.data.get());
    ASSERT_TRUE(answer) << answer.error().str();
    ASSERT_EQ(answer->firmware.size(), 1u);
    EXPECT_EQ(answer->firmware[0].campaigns, std::vector<std::string>{"c-1"});

    const std::string args = json_object(FirmwareArgs{m.fw_id}).dump();
    auto refused = request("firmware_delete", args);
    EXPECT_FALSE(refused.ok);
    EXPECT_EQ(refused.code, "in_use") << refused.error;
    EXPECT_NE(refused.error.find("c-1 (active)"), std::string::npos) << refused.error;
    const auto image = dir / "state" / "images" / m.sha256;
    EXPECT_TRUE(std::filesystem::exists(image));

    // Once the campaign is canceled nothing can send the image any more.
    ASSERT_TRUE(request("campaign_cancel", R"({"campaign":"c-1"})").ok);
    transport.published.clear();
    auto deleted = request("firmware_delete", args);
    ASSERT_TRUE(deleted.ok) << deleted.error;
    auto d = firmware_deleted_from_json(deleted.data.get());
    ASSERT_TRUE(d) << d.error().str();
    EXPECT_TRUE(d->image_removed);
    EXPECT_FALSE(std::filesystem::exists(image));
    auto cleared = transport.on_topic(*topics::fw_manifest(m.fw_id));
    ASSERT_EQ(cleared.size(), 1u);
    EXPECT_TRUE(cleared[0].payload.empty());
    EXPECT_TRUE(cleared[0].retained);
    auto after = firmware_list_answer_from_json(request("firmware_list").data.get());
    ASSERT_TRUE(after);
    EXPECT_TRUE(after->firmware.empty());
    auto again = request("firmware_delete", args);
    EXPECT_EQ(again.code, "not_found") << again.error;
}

}  // namespace
}  // namespace fleetcast::manager::testing
