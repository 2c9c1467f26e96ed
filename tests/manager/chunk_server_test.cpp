#include <fstream>
#include <sstream>

#include "common/chunk_codec.hpp"
#include "tests/manager/manager_fixture.hpp"

namespace fleetcast::manager::testing {
namespace {

class ChunkServerTest : public ManagerTest {
   protected:
    void SetUp() override {
        ManagerTest::SetUp();
        fw = add_firmware("A123", "main", "2.0", 4500, 1024);  // 5 chunks, the last of 404 bytes
        std::ifstream in(dir / "state" / "images" / fw.sha256, std::ios::binary);
        std::ostringstream out;
        out << in.rdbuf();
        image = out.str();
        transport.clear();
    }
    void fetch(const std::string& gw, const std::string& fw_id, std::vector<ChunkRange> ranges) {
        deliver(*topics::gw_fetch(gw), encode(FetchRequest{fw_id, std::move(ranges)}));
        mgr->tick();
    }
    FirmwareManifest fw;
    std::string image;
};

TEST_F(ChunkServerTest, FetchServesOnlyRequestedChunks) {
    fetch("gw1", fw.fw_id, {{1, 2}, {4, 4}});
    auto sent = transport.on_topic(*topics::gw_chunk("gw1", fw.fw_id));
    ASSERT_EQ(sent.size(), 3u);
    EXPECT_EQ(transport.published.size(), 3u);  // nothing else, to nobody else
    std::vector<std::uint32_t> indexes;
    for (const auto& p : sent) {
        EXPECT_FALSE(p.retained);
        auto chunk = decode_chunk(p.payload, fw.chunk_size);
        ASSERT_TRUE(chunk) << chunk.error().str();
        EXPECT_EQ(chunk->count, 5u);
        EXPECT_EQ(chunk->payload, std::string_view(image).substr(chunk->index * 1024ULL, 1024));
        indexes.push_back(chunk->index);
    }
    EXPECT_EQ(indexes, (std::vector<std::uint32_t>{1, 2, 4}));

    auto t = mgr->store().transfer("gw1", fw.fw_id);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->chunks_sent, 3u);
    EXPECT_EQ(t->bytes_sent, 1024u * 2 + 404);
    fetch("gw1", fw.fw_id, {{0, 0}});
    EXPECT_EQ(mgr->store().transfer("gw1", fw.fw_id)->chunks_sent, 4u);
    EXPECT_EQ(mgr->store().transfer("gw2", fw.fw_id)->chunks_sent, 0u);
    EXPECT_EQ(counter("bad_input"), 0u);
}

TEST_F(ChunkServerTest, FetchWithOutOfRangeIsRejected) {
    fetch("gw1", fw.fw_id, {{0, 1}, {3, 5}});    // chunk 5 does not exist
    fetch("gw1", "0123456789abcdef", {{0, 0}});  // unknown firmware
    deliver(*topics::gw_fetch("gw1"), R"({"type":"fetch","fw_id":"x","ranges":[[2,1]]})");
    deliver(*topics::gw_fetch("gw1"), "{not json");
    mgr->tick();
    EXPECT_TRUE(transport.on_topic(*topics::gw_chunk("gw1", fw.fw_id)).empty());
    EXPECT_EQ(counter("bad_input"), 4u);
    EXPECT_EQ(counter("bad_fetch"), 4u);
    EXPECT_EQ(mgr->store().transfer("gw1", fw.fw_id)->chunks_sent, 0u);
}

TEST_F(ChunkServerTest, FetchIsPacedByTheTransportWindow) {
    // A transport with publishes in flight gets no more than the window allows.
    mgr->chunk_server().window = 0;
    fetch("gw1", fw.fw_id, {{0, 4}});
    EXPECT_TRUE(transport.on_topic(*topics::gw_chunk("gw1", fw.fw_id)).empty());
    EXPECT_EQ(mgr->chunk_server().queued_chunks(), 5u);
    mgr->chunk_server().window = 128;
    mgr->tick();
    EXPECT_EQ(transport.on_topic(*topics::gw_chunk("gw1", fw.fw_id)).size(), 5u);
    EXPECT_EQ(mgr->chunk_server().queued_chunks(), 0u);
}

// A re-asked range that is still queued (the manager was busy) is sent once.
TEST_F(ChunkServerTest, ReaskedChunksStillQueuedAreSentOnce) {
    mgr->chunk_server().window = 0;
    fetch("gw1", fw.fw_id, {{0, 2}});
    fetch("gw1", fw.fw_id, {{1, 4}});  // the gateway's retry: 1 and 2 are still queued
    EXPECT_EQ(mgr->chunk_server().queued_chunks(), 5u);
    mgr->chunk_server().window = 128;
    mgr->tick();
    EXPECT_EQ(transport.on_topic(*topics::gw_chunk("gw1", fw.fw_id)).size(), 5u);
    EXPECT_EQ(counter("fetch_already_queued"), 2u);
}

}  // namespace
}  // namespace fleetcast::manager::testing

namespace fleetcast::manager::testing {
namespace {

TEST_F(ChunkServerTest, PushCampaignSendsEachImageOnceAtTransmitTime) {
    device_seen("gw1", "A123-000001", "A123", {{"main", "1.0"}});
    device_seen("gw1", "A123-000002", "A123", {{"main", "1.0"}});
    device_seen("gw2", "A123-000003", "A123", {{"main", "1.0"}});
    // gw2 already holds the image: it gets nothing pushed.
    deliver(*topics::gw_report("gw2"), encode(CacheReport{fw.fw_id, "cached", fw.size}));
    auto transmit = clock.now() + std::chrono::minutes(10);
    auto update = clock.now() + std::chrono::minutes(20);
    auto c = create_campaign(R"({"all":true,"mode":"push","transmit_at":")" + format_time(transmit) +
                             R"(","update_at":")" + format_time(update) + R"("})");
    transport.clear();
    clock.advance(std::chrono::minutes(9));
    mgr->tick();
    EXPECT_TRUE(transport.on_topic(*topics::gw_chunk("gw1", fw.fw_id)).empty());

    clock.advance(std::chrono::minutes(1));
    mgr->tick();
    EXPECT_EQ(transport.on_topic(*topics::gw_chunk("gw1", fw.fw_id)).size(), 5u);  // once for two devices
    EXPECT_TRUE(transport.on_topic(*topics::gw_chunk("gw2", fw.fw_id)).empty());

    clock.advance(std::chrono::seconds(5));
    mgr->tick();
    open_manager();  // not again after a restart either
    clock.advance(std::chrono::seconds(5));
    mgr->tick();
    EXPECT_EQ(transport.on_topic(*topics::gw_chunk("gw1", fw.fw_id)).size(), 5u);
    EXPECT_EQ(mgr->store().transfer("gw1", fw.fw_id)->chunks_sent, 5u);
}

}  // namespace
}  // namespace fleetcast::manager::testing
