// The gateway verifies manifests too (R21): one it cannot verify is never
// fetched nor offered, and its jobs fail with the reason.
#include "common/chunk_codec.hpp"
#include "common/topics.hpp"
#include "tests/gateway/gateway_fixture.hpp"
#include "tests/support/test_keys.hpp"

namespace fleetcast::gateway::testing {
namespace {

TEST_F(GatewayTest, ScheduleWithAForeignManifestFailsItsJobsAndFetchesNothing) {
    auto foreign = main_v2;
    auto other = SigningKey::generate();
    ASSERT_TRUE(other);
    fleetcast::testing::sign_for_test(foreign.manifest, foreign.bytes, *other);
    send_schedule(make_schedule("c1", clock.now(), {&foreign}, {"A123-000001"}));
    advance(Millis(1000));
    EXPECT_TRUE(fetches().empty());
    EXPECT_TRUE(commands("A123-000001").empty());
    auto reports = job_reports("A123-000001");
    ASSERT_FALSE(reports.empty());
    EXPECT_EQ(reports.back().state, JobState::Failed);
    EXPECT_NE(reports.back().detail.find("bad_manifest"), std::string::npos) << reports.back().detail;
    EXPECT_EQ(counter("bad_manifest"), 1u);
}

TEST_F(GatewayTest, ChunkFromTheManagerNotMatchingTheSignedListIsNotCached) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {"A123-000001"}));
    std::string payload = main_v2.bytes.substr(0, 1024);
    payload[0] ^= 1;
    deliver(*topics::gw_chunk(kGw, main_v2.manifest.fw_id), encode_chunk(0, main_v2.manifest.chunk_count, payload));
    EXPECT_EQ(counter("bad_chunk"), 1u);
    send_all_chunks(main_v2);
    EXPECT_TRUE(std::filesystem::exists(dir / "cache" / (main_v2.manifest.fw_id + ".img")));
}

}  // namespace
}  // namespace fleetcast::gateway::testing
