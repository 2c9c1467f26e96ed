// ImageDownload straight into a handler's slot (open_direct): the chunks go
// to the target at their offsets, only the bitmaps stay in the state
// directory, a restart resumes into the target, and the target is never
// removed or shrunk.
#include <gtest/gtest.h>

#include "device/image_download.hpp"
#include "tests/device/device_agent_fixture.hpp"
#include "tests/support/temp_dir.hpp"

namespace fleetcast::device::testing {
namespace {

namespace fs = std::filesystem;

std::uint64_t bytes_under(const fs::path& dir) {
    std::uint64_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) n += e.file_size();
    return n;
}

TEST(ImageDownloadDirect, ChunksOutOfOrderGoIntoTheTargetAndOnlyBitmapsIntoTheStateDirectory) {
    fleetcast::testing::TempDir tmp;
    auto img = make_image("A123", "main", "2.0", 40 * 1024 + 17);
    const auto state = tmp.path / "state" / "slots" / "main" / "b.img";
    const auto target = tmp.path / "slot-b.img";
    auto d = ImageDownload::open_direct(img.manifest, state, target);
    ASSERT_TRUE(d) << d.error().str();
    EXPECT_TRUE((*d)->direct());
    EXPECT_EQ((*d)->data_path(), target);
    const auto n = img.manifest.chunk_count;
    for (std::uint32_t i = n; i-- > 0;) ASSERT_TRUE((*d)->accept(chunk_of(img, i))) << i;  // last to first
    ASSERT_TRUE((*d)->complete());
    ASSERT_TRUE((*d)->checkpoint());
    EXPECT_LT(bytes_under(tmp.path / "state"), img.manifest.size / 4);
    ASSERT_TRUE((*d)->verify());
    ASSERT_TRUE((*d)->finish());
    auto written = read_file(target);
    ASSERT_TRUE(written);
    EXPECT_EQ(*written, img.bytes);
    EXPECT_FALSE(fs::exists(state));
    EXPECT_EQ(bytes_under(tmp.path / "state"), 0u);
}

TEST(ImageDownloadDirect, AReopenResumesIntoTheTargetAndAStagingCopyIsRemoved) {
    fleetcast::testing::TempDir tmp;
    auto img = make_image("A123", "main", "2.0", 30 * 1024);
    const auto state = tmp.path / "slots" / "b.img";
    const auto target = tmp.path / "slot-b.img";
    fs::create_directories(state.parent_path());
    write_file_atomic(state, std::string(30 * 1024, 's'));  // an earlier staged attempt
    {
        auto d = ImageDownload::open_direct(img.manifest, state, target);
        ASSERT_TRUE(d) << d.error().str();
        EXPECT_FALSE(fs::exists(state)) << "the staging copy stayed";
        for (std::uint32_t i = 0; i < 10; ++i) ASSERT_TRUE((*d)->accept(chunk_of(img, i)));
    }  // a clean stop checkpoints
    auto d = ImageDownload::open_direct(img.manifest, state, target);
    ASSERT_TRUE(d) << d.error().str();
    EXPECT_EQ((*d)->received(), 10u);
    for (std::uint32_t i = 10; i < img.manifest.chunk_count; ++i) ASSERT_TRUE((*d)->accept(chunk_of(img, i)));
    ASSERT_TRUE((*d)->verify());
    // The same chunks recorded for another target are not taken as written there.
    auto other = ImageDownload::open_direct(img.manifest, state, tmp.path / "slot-c.img");
    ASSERT_TRUE(other) << other.error().str();
    EXPECT_EQ((*other)->received(), 0u);
}

TEST(ImageDownloadDirect, VerifyReadsTheTargetBackAndADiscardKeepsIt) {
    fleetcast::testing::TempDir tmp;
    auto img = make_image("A123", "main", "2.0", 8 * 1024);
    const auto state = tmp.path / "slots" / "b.img";
    const auto target = tmp.path / "slot-b.img";
    auto d = ImageDownload::open_direct(img.manifest, state, target);
    ASSERT_TRUE(d) << d.error().str();
    for (std::uint32_t i = 0; i < img.manifest.chunk_count; ++i) ASSERT_TRUE((*d)->accept(chunk_of(img, i)));
    // Someone else changed a byte of the slot after it was written: the read-back sees it.
    std::string bytes = read_file(target).value();
    bytes[100] ^= 1;
    ASSERT_TRUE(write_file_atomic(target, bytes));
    auto v = (*d)->verify();
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().code, "checksum");
    ASSERT_TRUE((*d)->discard());
    EXPECT_TRUE(fs::exists(target)) << "discard removed the handler's slot";
}

}  // namespace
}  // namespace fleetcast::device::testing
