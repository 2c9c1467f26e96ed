#include <gtest/gtest.h>

#include "common/chunk_codec.hpp"

using namespace fleetcast;

TEST(ChunkCodec, RoundTrips) {
    std::string payload(1000, 'x');
    auto bytes = encode_chunk(3, 10, payload);
    EXPECT_EQ(bytes.size(), kChunkHeaderSize + payload.size());
    auto c = decode_chunk(bytes, 65536);
    ASSERT_TRUE(c) << c.error().str();
    EXPECT_EQ(c->index, 3u);
    EXPECT_EQ(c->count, 10u);
    EXPECT_EQ(c->payload, payload);
}

TEST(ChunkCodec, TruncatedChunkIsRejected) {
    auto bytes = encode_chunk(0, 1, std::string(100, 'y'));
    EXPECT_EQ(decode_chunk(bytes.substr(0, bytes.size() - 1), 65536).error().code, "bad_chunk");
    EXPECT_EQ(decode_chunk(bytes.substr(0, 10), 65536).error().code, "bad_chunk");
}

TEST(ChunkCodec, FlippedBitFailsHash) {
    auto bytes = encode_chunk(0, 1, std::string(100, 'y'));
    bytes.back() ^= 1;
    EXPECT_EQ(decode_chunk(bytes, 65536).error().code, "checksum");
}

TEST(ChunkCodec, BadMagicIndexAndOversizeAreRejected) {
    auto bytes = encode_chunk(0, 1, "abc");
    auto bad_magic = bytes;
    bad_magic[0] = 'X';
    EXPECT_FALSE(decode_chunk(bad_magic, 65536));
    EXPECT_FALSE(decode_chunk(encode_chunk(5, 5, "abc"), 65536));
    EXPECT_FALSE(decode_chunk(encode_chunk(0, 1, std::string(2000, 'a')), 1024));
}
