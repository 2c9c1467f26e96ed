// Issue 17: the zstd delta and compressed-image codec, and the manifest
// fields that describe such an artifact (signed like the rest).
#include <gtest/gtest.h>

#include <random>

#include "common/atomic_file.hpp"
#include "common/manifest_signing.hpp"
#include "common/messages.hpp"
#include "common/sha256.hpp"
#include "common/zstd_artifact.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_keys.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;

namespace {

std::string random_bytes(std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng() & 0xff);
    return s;
}

// A "next release": the source with a few edits in place and an insertion.
std::string edited(std::string s) {
    for (std::size_t i = 1000; i < s.size(); i += 97 * 1024) s[i] = static_cast<char>(s[i] ^ 0x5a);
    s.insert(s.size() / 3, std::string(3000, 'n'));
    return s;
}

std::string read_all(const std::filesystem::path& p) { return *read_file(p, 1ULL << 30); }

}  // namespace

TEST(ZstdArtifact, DeltaOfAnEditedImageIsSmallAndRebuildsTheExactTarget) {
    TempDir tmp;
    const auto& dir = tmp;
    const auto v1 = random_bytes(3 * 1024 * 1024, 1);
    const auto v2 = edited(v1);
    ASSERT_TRUE(write_file_atomic(dir.path / "v1", v1));
    ASSERT_TRUE(write_file_atomic(dir.path / "v2", v2));
    auto size = zstd_encode_file(dir.path / "v1", dir.path / "v2", dir.path / "delta", 3);
    ASSERT_TRUE(size) << size.error().str();
    EXPECT_LT(*size, v2.size() / 20) << "a few edits make a delta far below the image";
    auto out = zstd_decode_file(dir.path / "v1", dir.path / "delta", dir.path / "rebuilt", v2.size());
    ASSERT_TRUE(out) << out.error().str();
    EXPECT_EQ(out->sha256, to_hex(sha256(v2)));
    EXPECT_EQ(read_all(dir.path / "rebuilt"), v2);
}

TEST(ZstdArtifact, DeltaAgainstAnotherSourceDoesNotRebuildTheTarget) {
    TempDir tmp;
    const auto& dir = tmp;
    const auto v1 = random_bytes(512 * 1024, 2);
    const auto v2 = edited(v1);
    ASSERT_TRUE(write_file_atomic(dir.path / "v1", v1));
    ASSERT_TRUE(write_file_atomic(dir.path / "v2", v2));
    ASSERT_TRUE(write_file_atomic(dir.path / "other", random_bytes(v1.size(), 3)));
    ASSERT_TRUE(zstd_encode_file(dir.path / "v1", dir.path / "v2", dir.path / "delta", 3));
    auto out = zstd_decode_file(dir.path / "other", dir.path / "delta", dir.path / "rebuilt", v2.size());
    // zstd does not check the prefix: the output is wrong, and only the signed target hash says so.
    if (out) {
        EXPECT_NE(out->sha256, to_hex(sha256(v2)));
    }
}

TEST(ZstdArtifact, CompressedImageWithoutSourceRoundTrips) {
    TempDir tmp;
    const auto& dir = tmp;
    std::string text;
    while (text.size() < 700 * 1024)
        text += "fleetcast compressible firmware line " + std::to_string(text.size()) + "\n";
    ASSERT_TRUE(write_file_atomic(dir.path / "img", text));
    auto size = zstd_encode_file("", dir.path / "img", dir.path / "img.zst", 3);
    ASSERT_TRUE(size) << size.error().str();
    EXPECT_LT(*size, text.size() / 4);
    auto out = zstd_decode_file("", dir.path / "img.zst", dir.path / "out", text.size());
    ASSERT_TRUE(out) << out.error().str();
    EXPECT_EQ(out->sha256, to_hex(sha256(text)));
}

TEST(ZstdArtifact, FrameThatDecodesToAnotherSizeThanTheSignedOneIsRefused) {
    TempDir tmp;
    const auto& dir = tmp;
    const auto v1 = random_bytes(100 * 1024, 4);
    ASSERT_TRUE(write_file_atomic(dir.path / "img", v1));
    ASSERT_TRUE(zstd_encode_file("", dir.path / "img", dir.path / "img.zst", 1));
    auto shorter = zstd_decode_file("", dir.path / "img.zst", dir.path / "out", v1.size() - 1);
    ASSERT_FALSE(shorter);
    EXPECT_EQ(shorter.error().code, "bad_artifact");
    auto longer = zstd_decode_file("", dir.path / "img.zst", dir.path / "out", v1.size() + 1);
    ASSERT_FALSE(longer);
    EXPECT_EQ(longer.error().code, "bad_artifact");
}

TEST(ZstdArtifact, TruncatedOrTrailingBytesAreRefused) {
    TempDir tmp;
    const auto& dir = tmp;
    const auto v1 = random_bytes(100 * 1024, 5);
    ASSERT_TRUE(write_file_atomic(dir.path / "img", v1));
    ASSERT_TRUE(zstd_encode_file("", dir.path / "img", dir.path / "img.zst", 1));
    auto frame = read_all(dir.path / "img.zst");
    ASSERT_TRUE(write_file_atomic(dir.path / "cut.zst", frame.substr(0, frame.size() - 10)));
    auto cut = zstd_decode_file("", dir.path / "cut.zst", dir.path / "out", v1.size());
    ASSERT_FALSE(cut);
    EXPECT_EQ(cut.error().code, "bad_artifact");
    ASSERT_TRUE(write_file_atomic(dir.path / "long.zst", frame + "xx"));
    auto trailing = zstd_decode_file("", dir.path / "long.zst", dir.path / "out", v1.size());
    ASSERT_FALSE(trailing);
    EXPECT_EQ(trailing.error().code, "bad_artifact");
}

TEST(ZstdArtifact, DeltaManifestKeepsItsEncodingThroughJsonAndTheSignatureCoversIt) {
    FirmwareManifest m;
    const std::string delta(3000, 'd');
    m.sha256 = to_hex(sha256(delta));
    m.fw_id = m.sha256.substr(0, 16);
    m.model = "A123";
    m.component = "main";
    m.version = "2.0";
    m.size = delta.size();
    m.chunk_size = 1024;
    m.chunk_count = chunk_count_for(m.size, m.chunk_size);
    m.encoding = ArtifactEncoding{"zstd", std::string(64, 'a'), "1.0", std::string(64, 'b'), 1 << 20};
    const TimePoint now = TimePoint(std::chrono::seconds(1795000000));
    sign_for_test(m, delta, *test_signing_key(), now + std::chrono::hours(1));
    auto back = decode_manifest(encode(m));
    ASSERT_TRUE(back) << back.error().str();
    ASSERT_TRUE(back->encoding);
    EXPECT_EQ(*back->encoding, *m.encoding);
    EXPECT_TRUE(is_delta(*back));
    EXPECT_EQ(installed_sha256(*back), std::string(64, 'b'));
    EXPECT_EQ(installed_fw_id(*back), std::string(16, 'b'));
    auto keys = test_trust_keys();
    EXPECT_TRUE(verify_manifest(*back, *keys, now));
    back->encoding->source_sha256 = std::string(64, 'c');  // another source: the signature no longer holds
    EXPECT_FALSE(verify_manifest(*back, *keys, now));
}

TEST(ZstdArtifact, ManifestWithABadEncodingIsRefused) {
    const char* bad[] = {
        R"({"codec":"xz","target_sha256":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","target_size":5})",
        R"({"codec":"zstd","target_sha256":"xyz","target_size":5})",
        R"({"codec":"zstd","target_sha256":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","target_size":0})",
        R"({"codec":"zstd","source_sha256":"zz","source_version":"1.0","target_sha256":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","target_size":5})",
    };
    for (const char* e : bad) {
        std::string text =
            R"({"type":"manifest","fw_id":"aaaaaaaaaaaaaaaa","model":"A","component":"main","version":"2.0","size":10,"sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","chunk_size":1024,"chunk_count":1,"encoding":)" +
            std::string(e) + "}";
        EXPECT_FALSE(decode_manifest(text)) << e;
    }
}
