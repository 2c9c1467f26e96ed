#include <gtest/gtest.h>

#include "common/manifest_chunk.hpp"

namespace fleetcast {
namespace {

FirmwareManifest manifest_of(const std::vector<std::string>& chunks) {
    FirmwareManifest m;
    m.fw_id = "0123456789abcdef";
    m.chunk_size = 4;
    m.chunk_count = static_cast<std::uint32_t>(chunks.size());
    for (const auto& c : chunks) m.chunk_sha256.push_back(sha256(c));
    return m;
}

TEST(ManifestChunk, ChunkWhoseHashTheManifestListsIsAccepted) {
    auto m = manifest_of({"abcd", "efgh"});
    const auto wire = encode_chunk(1, 2, "efgh");  // the decoded chunk views into it
    auto c = decode_manifest_chunk(wire, m);
    ASSERT_TRUE(c) << c.error().str();
    EXPECT_EQ(c->index, 1u);
    EXPECT_EQ(c->payload, "efgh");
    EXPECT_TRUE(check_manifest_chunk(m, 0, "abcd"));
}

TEST(ManifestChunk, WellFormedChunkWithOtherBytesIsABadChunk) {
    auto m = manifest_of({"abcd", "efgh"});
    const auto wire = encode_chunk(1, 2, "efgX");
    auto c = decode_manifest_chunk(wire, m);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code, "bad_chunk");
    EXPECT_FALSE(check_manifest_chunk(m, 1, "efgX"));
}

TEST(ManifestChunk, WrongChunkCountOrIndexOutsideTheImageIsABadChunk) {
    auto m = manifest_of({"abcd", "efgh"});
    const auto wire = encode_chunk(0, 3, "abcd");
    auto count = decode_manifest_chunk(wire, m);
    ASSERT_FALSE(count);
    EXPECT_NE(count.error().message.find("chunk count"), std::string::npos);
    EXPECT_FALSE(check_manifest_chunk(m, 2, "abcd"));
}

}  // namespace
}  // namespace fleetcast
