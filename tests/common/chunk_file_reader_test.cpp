#include "common/chunk_file_reader.hpp"

#include <gtest/gtest.h>

#include "common/atomic_file.hpp"
#include "common/partial_image.hpp"
#include "tests/support/temp_dir.hpp"

using namespace fleetcast;
using fleetcast::testing::TempDir;

namespace {
std::string pattern(std::size_t n, char seed) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i * 7);
    return s;
}
}  // namespace

TEST(ChunkFileReader, ReadsEveryChunkOfAFileKeptOpenAndTheLastOneShort) {
    TempDir dir;
    auto img = pattern(2500, 'a');
    ASSERT_TRUE(write_file_atomic(dir.path / "i.img", img));
    ChunkFileReader reader;
    for (std::uint32_t i = 0; i < 3; ++i) {
        auto c = reader.read(dir.path / "i.img", img.size(), 1024, i);
        ASSERT_TRUE(c) << c.error().str();
        EXPECT_EQ(*c, img.substr(i * 1024, 1024));
    }
    EXPECT_EQ(reader.open_files(), 1u);
    auto past = reader.read(dir.path / "i.img", img.size(), 1024, 3);
    ASSERT_FALSE(past);
    EXPECT_EQ(past.error().code, "bad_chunk");
}

TEST(ChunkFileReader, AFileReplacedUnderItIsReadAfreshAndARemovedOneIsAnError) {
    TempDir dir;
    const auto file = dir.path / "i.img";
    ASSERT_TRUE(write_file_atomic(file, pattern(2048, 'a')));
    ChunkFileReader reader;
    ASSERT_TRUE(reader.read(file, 2048, 1024, 1));
    // A re-fetched image is renamed over the old one: a new inode.
    auto fresh = pattern(2048, 'q');
    ASSERT_TRUE(write_file_atomic(file, fresh));
    auto c = reader.read(file, 2048, 1024, 1);
    ASSERT_TRUE(c);
    EXPECT_EQ(*c, fresh.substr(1024)) << "the old inode's bytes were served";
    // A repair written in place (same inode) is seen at once.
    ASSERT_TRUE(write_image_chunk(file, 1024, 0, std::string(1024, 'r')));
    EXPECT_EQ(*reader.read(file, 2048, 1024, 0), std::string(1024, 'r'));
    std::filesystem::remove(file);
    auto gone = reader.read(file, 2048, 1024, 0);
    ASSERT_FALSE(gone) << "a dropped image must not be served from the open file";
    EXPECT_EQ(gone.error().code, "io");
    EXPECT_EQ(reader.open_files(), 0u);
}

TEST(ChunkFileReader, ATruncatedFileIsAnErrorAndOpenFilesStayBounded) {
    TempDir dir;
    ASSERT_TRUE(write_file_atomic(dir.path / "short.img", pattern(1500, 'a')));
    ChunkFileReader reader(2);
    auto c = reader.read(dir.path / "short.img", 2048, 1024, 1);
    ASSERT_FALSE(c) << "a cache file shorter than its manifest";
    EXPECT_EQ(c.error().code, "io");
    for (char n = 'a'; n < 'f'; ++n) {
        auto path = dir.path / (std::string(1, n) + ".img");
        ASSERT_TRUE(write_file_atomic(path, pattern(1024, n)));
        ASSERT_TRUE(reader.read(path, 1024, 1024, 0));
        EXPECT_LE(reader.open_files(), 2u);
    }
}
