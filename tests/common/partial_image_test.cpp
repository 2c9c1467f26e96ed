#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "common/atomic_file.hpp"
#include "common/partial_image.hpp"
#include "common/sha256.hpp"

using namespace fleetcast;
namespace fs = std::filesystem;

namespace {
struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/fleetcast-test-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { fs::remove_all(path); }
};

std::string image(std::size_t n) {
    std::string s(n, '\0');
    std::mt19937 rng(7);
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
}

std::string chunk_of(const std::string& img, std::uint32_t cs, std::uint32_t i) {
    return img.substr(static_cast<std::size_t>(i) * cs, cs);
}
}  // namespace

TEST(PartialImage, ChunksInAnyOrderMakeTheImage) {
    TempDir dir;
    auto img = image(10 * 1024 + 17);
    auto hex = to_hex(sha256(img));
    auto p = PartialImage::open(dir.path / "x.img", img.size(), 1024, hex);
    ASSERT_TRUE(p) << p.error().str();
    for (int i = 10; i >= 0; --i) ASSERT_TRUE((*p)->write_chunk(i, chunk_of(img, 1024, i)));
    EXPECT_TRUE((*p)->complete());
    EXPECT_TRUE((*p)->verify(hex));
    ASSERT_TRUE((*p)->finish());
    EXPECT_EQ(*read_file(dir.path / "x.img"), img);
    EXPECT_FALSE(fs::exists(dir.path / "x.img.have"));
}

TEST(PartialImage, ReopenResumesOnlyMissingChunks) {
    TempDir dir;
    auto img = image(8 * 1024);
    auto hex = to_hex(sha256(img));
    {
        auto p = PartialImage::open(dir.path / "x.img", img.size(), 1024, hex);
        ASSERT_TRUE(p);
        for (std::uint32_t i : {0u, 1u, 2u, 5u}) ASSERT_TRUE((*p)->write_chunk(i, chunk_of(img, 1024, i)));
        ASSERT_TRUE((*p)->checkpoint());
    }
    auto p = PartialImage::open(dir.path / "x.img", img.size(), 1024, hex);
    ASSERT_TRUE(p);
    EXPECT_EQ((*p)->received(), 4u);
    auto missing = (*p)->missing();
    ASSERT_EQ(missing.size(), 2u);
    EXPECT_EQ(missing[0], (ChunkRange{3, 4}));
    EXPECT_EQ(missing[1], (ChunkRange{6, 7}));
}

TEST(PartialImage, DiscardedImageLeavesNoFilesEvenAfterACheckpoint) {
    TempDir dir;
    auto img = image(8 * 1024);
    auto p = PartialImage::open(dir.path / "x.img", img.size(), 1024, to_hex(sha256(img)));
    ASSERT_TRUE(p);
    for (std::uint32_t i : {0u, 1u}) ASSERT_TRUE((*p)->write_chunk(i, chunk_of(img, 1024, i)));
    ASSERT_TRUE((*p)->checkpoint());
    ASSERT_TRUE((*p)->discard());
    // An owner that checkpoints when it goes (the device's download does) must not bring the bitmap back.
    EXPECT_TRUE((*p)->checkpoint());
    p->reset();
    EXPECT_TRUE(fs::is_empty(dir.path)) << "files left after discard";
}

TEST(PartialImage, DifferentIdentityStartsOver) {
    TempDir dir;
    auto img = image(4 * 1024);
    {
        auto p = PartialImage::open(dir.path / "x.img", img.size(), 1024, "one");
        ASSERT_TRUE((*p)->write_chunk(0, chunk_of(img, 1024, 0)));
        ASSERT_TRUE((*p)->checkpoint());
    }
    auto p = PartialImage::open(dir.path / "x.img", img.size(), 1024, "two");
    EXPECT_EQ((*p)->received(), 0u);
}

TEST(PartialImage, WrongChunkLengthIsRejectedAndNotMarked) {
    TempDir dir;
    auto p = PartialImage::open(dir.path / "x.img", 2048 + 10, 1024, "id");
    ASSERT_TRUE(p);
    EXPECT_FALSE((*p)->write_chunk(0, std::string(1000, 'a')));
    EXPECT_FALSE((*p)->write_chunk(2, std::string(1024, 'a')));
    EXPECT_FALSE((*p)->write_chunk(3, std::string(10, 'a')));
    EXPECT_TRUE((*p)->write_chunk(2, std::string(10, 'a')));
    EXPECT_EQ((*p)->received(), 1u);
}

TEST(PartialImage, CorruptImageFailsVerify) {
    TempDir dir;
    auto img = image(2048);
    auto p = PartialImage::open(dir.path / "x.img", img.size(), 1024, "id");
    ASSERT_TRUE((*p)->write_chunk(0, chunk_of(img, 1024, 0)));
    ASSERT_TRUE((*p)->write_chunk(1, std::string(1024, 'z')));
    auto st = (*p)->verify(to_hex(sha256(img)));
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, "checksum");
}

TEST(PartialImage, ReadImageChunkReadsExactRanges) {
    TempDir dir;
    auto img = image(3000);
    ASSERT_TRUE(write_file_atomic(dir.path / "i.img", img));
    EXPECT_EQ(*read_image_chunk(dir.path / "i.img", img.size(), 1024, 2), img.substr(2048));
    EXPECT_FALSE(read_image_chunk(dir.path / "i.img", img.size(), 1024, 3));
}

TEST(Sha256, MatchesKnownVector) {
    EXPECT_EQ(to_hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    Sha256 h;
    h.update("a");
    h.update("bc");
    EXPECT_EQ(to_hex(h.finish()), to_hex(sha256("abc")));
}

// R23: a process killed mid-transfer (no checkpoint since) resumes from the
// per-chunk live bitmap of the same boot and asks only for what it lacks.
TEST(PartialImage, KilledProcessResumesEveryWrittenChunkFromTheLiveBitmap) {
    TempDir dir;
    auto img = image(64 * 1024);
    auto hex = to_hex(sha256(img));
    {
        auto p = PartialImage::open(dir.path / "x.img", img.size(), 1024, hex);
        ASSERT_TRUE(p);
        (*p)->checkpoint_every = 1000;  // no fsync checkpoint before the "kill"
        for (std::uint32_t i = 0; i < 37; ++i) ASSERT_TRUE((*p)->write_chunk(i, chunk_of(img, 1024, i)));
    }  // destroyed without checkpoint(), like kill -9
    auto p = PartialImage::open(dir.path / "x.img", img.size(), 1024, hex);
    ASSERT_TRUE(p);
    EXPECT_EQ((*p)->received(), 37u);
    for (std::uint32_t i = 37; i < 64; ++i) ASSERT_TRUE((*p)->write_chunk(i, chunk_of(img, 1024, i)));
    EXPECT_TRUE((*p)->verify(hex));
    ASSERT_TRUE((*p)->finish());
    EXPECT_FALSE(fs::exists(dir.path / "x.img.live"));
}

// After a reboot (power loss) the page cache is gone: the live bitmap of the
// previous boot is ignored and only the fsync'd checkpoint counts.
TEST(PartialImage, LiveBitmapOfAnotherBootIsIgnored) {
    TempDir dir;
    auto img = image(64 * 1024);
    auto hex = to_hex(sha256(img));
    {
        auto p = PartialImage::open(dir.path / "x.img", img.size(), 1024, hex);
        ASSERT_TRUE(p);
        (*p)->checkpoint_every = 1000;
        for (std::uint32_t i = 0; i < 10; ++i) ASSERT_TRUE((*p)->write_chunk(i, chunk_of(img, 1024, i)));
        ASSERT_TRUE((*p)->checkpoint());
        for (std::uint32_t i = 10; i < 30; ++i) ASSERT_TRUE((*p)->write_chunk(i, chunk_of(img, 1024, i)));
    }
    auto live = read_file(dir.path / "x.img.live", 1 << 20);
    ASSERT_TRUE(live);
    auto boot = read_file("/proc/sys/kernel/random/boot_id");
    ASSERT_TRUE(boot);
    auto id = boot->substr(0, 36);
    auto pos = live->find(id);
    ASSERT_NE(pos, std::string::npos);
    auto other = *live;
    other.replace(pos, id.size(), std::string(id.size(), '0'));
    ASSERT_TRUE(write_file_atomic(dir.path / "x.img.live", other));
    auto p = PartialImage::open(dir.path / "x.img", img.size(), 1024, hex);
    ASSERT_TRUE(p);
    EXPECT_EQ((*p)->received(), 10u);
}

// The in-order digest is over the bytes written, so a wrong chunk still fails
// verification without re-reading the file.
TEST(PartialImage, InOrderImageIsVerifiedFromTheBytesWritten) {
    TempDir dir;
    auto img = image(4 * 1024 + 3);
    auto hex = to_hex(sha256(img));
    {
        auto p = PartialImage::open(dir.path / "good.img", img.size(), 1024, hex);
        for (std::uint32_t i = 0; i < 5; ++i) ASSERT_TRUE((*p)->write_chunk(i, chunk_of(img, 1024, i)));
        EXPECT_TRUE((*p)->verify(hex));
    }
    auto p = PartialImage::open(dir.path / "bad.img", img.size(), 1024, hex);
    for (std::uint32_t i = 0; i < 5; ++i)
        ASSERT_TRUE((*p)->write_chunk(i, i == 3 ? std::string(1024, 'z') : chunk_of(img, 1024, i)));
    auto st = (*p)->verify(hex);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, "checksum");
}
