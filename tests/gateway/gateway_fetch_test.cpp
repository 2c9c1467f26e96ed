// Schedules and the image cache: manager -> gateway (R2, R6, R7, R23, R25).
#include <algorithm>
#include <fstream>
#include <set>

#include "common/chunk_codec.hpp"
#include "common/topics.hpp"
#include "tests/gateway/gateway_fixture.hpp"
#include "tests/support/test_keys.hpp"

namespace fleetcast::gateway::testing {
namespace {

using Fetch = GatewayTest;

TEST_F(Fetch, ScheduleIsStoredBeforeFetching) {
    auto s = make_schedule("c1", clock.now(), {&main_v2}, {"A123-000001", "A123-000002"});
    handle_only(*topics::gw_schedule(kGw, "c1"), encode(s), true);

    // Stored (readable through another connection) before any fetch went out.
    EXPECT_TRUE(fetches().empty());
    auto jobs = stored_jobs();
    ASSERT_EQ(jobs.size(), 2u);
    EXPECT_EQ(jobs[0].device, "A123-000001");
    EXPECT_EQ(jobs[0].state, JobState::Waiting);
    EXPECT_EQ(jobs[0].fw_ids, std::vector<std::string>{main_v2.manifest.fw_id});
    EXPECT_TRUE(jobs[0].necessary);
    EXPECT_EQ(job_reports().size(), 2u);

    gw->tick();
    ASSERT_FALSE(fetches().empty());
    EXPECT_EQ(fetches()[0].fw_id, main_v2.manifest.fw_id);
    EXPECT_EQ(fetched_indexes(), (std::vector<std::uint32_t>{0, 1, 2, 3}));  // fetch window 4
    EXPECT_EQ(stored_jobs()[0].state, JobState::Fetching);

    // The stored schedule survives a restart: fetching resumes without it being resent.
    restart();
    transport.clear();
    gw->tick();
    EXPECT_FALSE(fetches().empty());
}

TEST_F(Fetch, FetchRequestsOnlyMissingChunksAfterRestart) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {"A123-000001"}));
    for (std::uint32_t i = 0; i < 6; ++i) send_chunk(main_v2, i);
    EXPECT_TRUE(std::filesystem::exists(dir / "cache" / (main_v2.manifest.fw_id + ".img.part.live")));

    restart();
    transport.clear();
    gw->tick();
    // First the chunks still queued for our session on the broker may land: nothing is asked yet.
    EXPECT_TRUE(fetches().empty());
    advance(Millis(1000));
    auto asked = fetched_indexes();
    EXPECT_EQ(asked, (std::vector<std::uint32_t>{6, 7, 8, 9}));

    for (std::uint32_t i = 6; i < 10; ++i) send_chunk(main_v2, i);
    EXPECT_TRUE(std::filesystem::exists(dir / "cache" / (main_v2.manifest.fw_id + ".img")));
    ASSERT_FALSE(cache_reports().empty());
    EXPECT_EQ(cache_reports().back().state, "cached");
    EXPECT_EQ(cache_reports().back().bytes, main_v2.manifest.size);
}

TEST_F(Fetch, ChunksAreRequestedInWindowsAsTheyArrive) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {"A123-000001"}));
    for (std::uint32_t i = 0; i < 10; ++i) send_chunk(main_v2, i);
    auto asked = fetched_indexes();
    std::set<std::uint32_t> unique(asked.begin(), asked.end());
    EXPECT_EQ(unique.size(), 10u);
    EXPECT_EQ(asked.size(), 10u) << "no chunk is requested twice while it is outstanding";
}

TEST_F(Fetch, OutstandingChunksAreRequestedAgainAfterThirtySecondsOfSilence) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {"A123-000001"}));
    send_chunk(main_v2, 0);
    transport.clear();
    advance(Millis(29000));
    EXPECT_TRUE(fetches().empty()) << "a slow window is not asked for twice";
    advance(Millis(1000));
    auto asked = fetched_indexes();
    std::sort(asked.begin(), asked.end());
    EXPECT_EQ(asked, (std::vector<std::uint32_t>{1, 2, 3, 4}));  // 4 was asked when 0 came
}

TEST_F(Fetch, SilentRetriesBackOffExponentiallyUntilAChunkArrives) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {"A123-000001"}));
    transport.clear();
    advance(Millis(30000));
    EXPECT_EQ(fetches().size(), 1u);
    transport.clear();
    advance(Millis(30000));
    EXPECT_TRUE(fetches().empty()) << "the second retry waits twice as long";
    advance(Millis(30000));
    EXPECT_EQ(fetches().size(), 1u);
    send_chunk(main_v2, 0);
    transport.clear();
    advance(Millis(30000));
    EXPECT_FALSE(fetches().empty()) << "an arrival resets the wait to its base";
}

TEST_F(Fetch, NoRetriesWhileTheSiteBridgeIsDownAndAFreshWaitWhenItIsBack) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {"A123-000001"}));
    deliver(*topics::bridge_state("gw1"), "0", true);
    transport.clear();
    advance(Millis(60000));
    EXPECT_TRUE(fetches().empty()) << "requests would only queue behind the outage";
    deliver(*topics::bridge_state("gw1"), "1", true);
    advance(Millis(29000));
    EXPECT_TRUE(fetches().empty()) << "what was asked before the outage gets time to arrive";
    advance(Millis(1000));
    EXPECT_EQ(fetches().size(), 1u);
}

TEST_F(Fetch, MalformedBridgeStateIsCountedAndIgnored) {
    deliver(*topics::bridge_state("gw1"), "maybe", true);
    EXPECT_EQ(gw->counters().get("bad_input"), 1u);
}

TEST_F(Fetch, CorruptChunkFromManagerIsNotCached) {
    send_schedule(make_schedule("c1", clock.now(), {&main_v2}, {"A123-000001"}));
    auto bad = main_v2.chunk(0);
    bad[kChunkHeaderSize + 5] ^= 0x01;  // payload no longer matches its SHA-256
    send_chunk(main_v2, 1);
    deliver(*topics::gw_chunk(kGw, main_v2.manifest.fw_id), bad);
    deliver(*topics::gw_chunk(kGw, main_v2.manifest.fw_id), main_v2.chunk(2).substr(0, 100));  // truncated
    deliver(*topics::gw_chunk(kGw, main_v2.manifest.fw_id),
            encode_chunk(3, main_v2.manifest.chunk_count + 1, std::string(1024, 'x')));  // wrong chunk count
    EXPECT_EQ(counter("bad_chunk"), 3u);

    // Chunk 0 is still missing: after a restart it is asked for again.
    restart();
    transport.clear();
    gw->tick();
    advance(Millis(1000));
    auto asked = fetched_indexes();
    EXPECT_NE(std::find(asked.begin(), asked.end(), 0u), asked.end());
    EXPECT_EQ(std::find(asked.begin(), asked.end(), 1u), asked.end());
    for (std::uint32_t i = 0; i < main_v2.manifest.chunk_count; ++i) send_chunk(main_v2, i);
    ASSERT_TRUE(std::filesystem::exists(dir / "cache" / (main_v2.manifest.fw_id + ".img")));
    std::ifstream in(dir / "cache" / (main_v2.manifest.fw_id + ".img"), std::ios::binary);
    std::string cached((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(cached, main_v2.bytes);
}

TEST_F(Fetch, ImageFailingItsSha256IsDiscardedAndFetchedAgain) {
    // Every chunk is sound, but the manifest names a different image hash.
    auto liar = main_v2;
    liar.manifest.sha256 = liar.manifest.fw_id + std::string(48, 'a');
    fleetcast::testing::resign_for_test(liar.manifest);  // signed by the manager, yet wrong
    send_schedule(make_schedule("c1", clock.now(), {&liar}, {"A123-000001"}));
    send_all_chunks(liar);
    EXPECT_FALSE(std::filesystem::exists(dir / "cache" / (liar.manifest.fw_id + ".img")));
    EXPECT_FALSE(std::filesystem::exists(dir / "cache" / (liar.manifest.fw_id + ".img.part")));
    ASSERT_FALSE(cache_reports().empty());
    EXPECT_EQ(cache_reports().back().state, "corrupt");
    EXPECT_EQ(counter("corrupt_image"), 1u);
    transport.clear();
    advance(Millis(1000));
    EXPECT_EQ(fetched_indexes(), (std::vector<std::uint32_t>{0, 1, 2, 3}));
}

}  // namespace
}  // namespace fleetcast::gateway::testing
