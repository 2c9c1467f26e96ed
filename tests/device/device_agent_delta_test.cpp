// Issue 17: the agent takes a delta only against its own active slot,
// rebuilds the target into the inactive slot and flips only when the
// rebuilt image is the signed target; anything else asks for the full image.
#include <fstream>

#include "common/zstd_artifact.hpp"
#include "tests/device/device_agent_fixture.hpp"

using namespace fleetcast;
using namespace fleetcast::device;
using namespace fleetcast::device::testing;

namespace {

std::string edited(std::string s) {
    for (std::size_t i = 100; i < s.size(); i += 512) s[i] = static_cast<char>(s[i] ^ 0x33);
    s.insert(s.size() / 2, std::string(3000, 'x'));
    return s;
}

// The signed delta from `source` to `target` (signed for `signed_target`, the real one by default).
Image make_delta(const std::filesystem::path& dir, const std::string& source, const std::string& target,
                 const std::string& version, const std::string& signed_target = "") {
    (void)write_file_atomic(dir / "src.bin", source);
    (void)write_file_atomic(dir / "tgt.bin", target);
    auto n = zstd_encode_file(dir / "src.bin", dir / "tgt.bin", dir / "delta.bin", 3);
    EXPECT_TRUE(n);
    Image img;
    img.bytes = *read_file(dir / "delta.bin", 1 << 30);
    auto& m = img.manifest;
    m.sha256 = to_hex(sha256(img.bytes));
    m.fw_id = m.sha256.substr(0, 16);
    m.model = "A123";
    m.component = "main";
    m.version = version;
    m.size = img.bytes.size();
    m.chunk_size = 1024;
    m.chunk_count = chunk_count_for(m.size, m.chunk_size);
    m.encoding = ArtifactEncoding{"zstd", to_hex(sha256(source)), "1.0",
                                  signed_target.empty() ? to_hex(sha256(target)) : signed_target, target.size()};
    fleetcast::testing::sign_for_test(m, img.bytes);
    return img;
}

class DeviceAgentDeltaTest : public DeviceAgentTest {
   protected:
    void SetUp() override {
        DeviceAgentTest::SetUp();
        work = dir.string() + "-work";
        std::filesystem::create_directories(work);
    }
    void TearDown() override {
        std::filesystem::remove_all(work);
        DeviceAgentTest::TearDown();
    }
    std::filesystem::path work;
};

}  // namespace

TEST_F(DeviceAgentDeltaTest, DeltaRebuildsTheSignedTargetIntoTheInactiveSlotAndFlips) {
    auto agent = start_agent();
    const auto source = slot_file("main", Slot::A);
    const auto target = edited(source + source + source);
    auto delta = make_delta(work, source, target, "2.0");
    offer(*agent, "c1", {&delta});
    EXPECT_TRUE(events_of<ErrorEvent>().empty());
    fanout_all(*agent, delta);

    ASSERT_TRUE(agent->restart_requested());
    EXPECT_EQ(slot_file("main", Slot::B), target);
    EXPECT_EQ(slot_file("main", Slot::A), source) << "the active slot was only read";
    auto saved = decode_nv_state(state_file());
    ASSERT_TRUE(saved.ok());
    EXPECT_EQ(saved->components.at("main").active, Slot::B);
    EXPECT_EQ(saved->components.at("main").version, "2.0");
    EXPECT_EQ(saved->components.at("main").sha256, to_hex(sha256(target))) << "the power_on names the rebuilt image";
    EXPECT_FALSE(std::filesystem::exists(dir / "slots" / "main" / "b.img.delta")) << "the staged delta is gone";
}

TEST_F(DeviceAgentDeltaTest, ModifiedActiveSlotAnswersDeltaSourceAndOpensNothing) {
    auto agent = start_agent();
    const auto source = slot_file("main", Slot::A);
    auto delta = make_delta(work, source, edited(source), "2.0");
    {
        std::fstream f(dir / "slots" / "main" / "a.img", std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(10);
        f.write("patched", 7);
    }
    offer(*agent, "c1", {&delta});
    auto errors = events_of<ErrorEvent>();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].code, "delta_source");
    EXPECT_EQ(errors[0].fw_id, delta.manifest.fw_id);
    EXPECT_NE(errors[0].detail.find("active slot of main has SHA-256"), std::string::npos) << errors[0].detail;
    EXPECT_EQ(counters.get("delta_fallback"), 1u);
    EXPECT_TRUE(events_of<ReadyEvent>().empty()) << "nothing is received for a delta that cannot apply";
    EXPECT_FALSE(agent->updating());
}

TEST_F(DeviceAgentDeltaTest, SignedDeltaThatRebuildsAnotherImageIsRefusedBeforeTheFlip) {
    auto agent = start_agent();
    const auto source = slot_file("main", Slot::A);
    // Authentic chunks (signed), but what they rebuild is not the signed target.
    auto delta = make_delta(work, source, edited(source), "2.0", std::string(64, 'e'));
    offer(*agent, "c1", {&delta});
    fanout_all(*agent, delta);

    EXPECT_FALSE(agent->restart_requested());
    auto errors = events_of<ErrorEvent>();
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].code, "delta_source");
    EXPECT_NE(errors[0].detail.find("!= the signed target"), std::string::npos) << errors[0].detail;
    auto saved = decode_nv_state(state_file());
    ASSERT_TRUE(saved.ok());
    EXPECT_EQ(saved->components.at("main").active, Slot::A) << "the boot pointer never moved";
    EXPECT_EQ(saved->components.at("main").version, "1.0");
    EXPECT_FALSE(saved->update.has_value());
    EXPECT_EQ(slot_file("main", Slot::A), source);
}
