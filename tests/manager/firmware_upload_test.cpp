// Firmware upload over MQTT at the manager (issue 19 item 1): pieces stored
// in order and fsynced before they are acknowledged, a commit checked against
// the whole image's size and SHA-256, tampered or truncated uploads refused.
#include <gtest/gtest.h>

#include "common/operator_upload.hpp"
#include "common/sha256.hpp"
#include "tests/manager/manager_fixture.hpp"

namespace fleetcast::manager::testing {
namespace {

class Upload : public ManagerTest {
   protected:
    std::string image = std::string(10000, '\0');
    FirmwareUploadBeginArgs begin_args;

    void SetUp() override {
        ManagerTest::SetUp();
        for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<char>((i * 7919) % 251);
        begin_args.size = image.size();
        begin_args.sha256 = to_hex(sha256(image));
        begin_args.image.model = "A123";
        begin_args.image.component = "main";
        begin_args.image.version = "2.0";
        begin_args.image.chunk_size = 1024;
        begin_args.upload = upload_id(begin_args.sha256, begin_args.image);
    }
    OperatorResponse begin() { return request("firmware_upload_begin", json_object(begin_args).dump()); }
    OperatorResponse piece(std::uint64_t offset, std::string data) {
        FirmwareUploadPieceArgs p{begin_args.upload, offset, std::move(data), ""};
        p.sha256 = to_hex(sha256(p.data));
        return request("firmware_upload_piece", json_object(p).dump());
    }
    OperatorResponse commit() {
        return request("firmware_upload_commit", json_object(FirmwareUploadCommitArgs{begin_args.upload}).dump());
    }
    std::uint64_t received(const OperatorResponse& r) {
        auto p = firmware_upload_progress_from_json(r.data.get());
        EXPECT_TRUE(p) << p.error().str();
        return p ? p->received : 0;
    }
    std::filesystem::path uploads() const { return dir / "state" / "uploads"; }
    bool uploads_empty() const { return !std::filesystem::exists(uploads()) || std::filesystem::is_empty(uploads()); }
};

TEST_F(Upload, PiecesInOrderMakeTheImageAndABeginAgainResumesWhereItStopped) {
    ASSERT_TRUE(begin().ok);
    EXPECT_EQ(received(piece(0, image.substr(0, 4000))), 4000u);
    // A redelivered piece (QoS 1) changes nothing.
    EXPECT_EQ(received(piece(0, image.substr(0, 4000))), 4000u);
    // The CLI came back: begin answers what the manager holds.
    auto again = begin();
    ASSERT_TRUE(again.ok) << again.error;
    EXPECT_EQ(received(again), 4000u);
    EXPECT_EQ(received(piece(4000, image.substr(4000))), image.size());
    auto done = commit();
    ASSERT_TRUE(done.ok) << done.error;
    auto m = manifest_from_json(done.data.get());
    ASSERT_TRUE(m) << m.error().str();
    EXPECT_EQ(m->sha256, begin_args.sha256);
    EXPECT_EQ(m->chunk_count, 10u);
    auto stored = sha256_file(dir / "state" / "images" / m->sha256);
    ASSERT_TRUE(stored);
    EXPECT_EQ(to_hex(*stored), begin_args.sha256);
    EXPECT_TRUE(uploads_empty());
    // Retained for the gateways, like firmware_add.
    EXPECT_FALSE(transport.on_topic(*topics::fw_manifest(m->fw_id)).empty());
}

TEST_F(Upload, TamperedOrTruncatedUploadIsRefusedAndLeavesNothing) {
    ASSERT_TRUE(begin().ok);
    // A piece whose bytes do not match its own hash is refused and not stored.
    FirmwareUploadPieceArgs bad{begin_args.upload, 0, image.substr(0, 1000), to_hex(sha256("other bytes"))};
    auto refused = request("firmware_upload_piece", json_object(bad).dump());
    EXPECT_FALSE(refused.ok);
    EXPECT_EQ(refused.code, "bad_piece") << refused.error;
    // A gap is refused: pieces come in order.
    auto gap = piece(2000, image.substr(2000, 1000));
    EXPECT_FALSE(gap.ok);
    EXPECT_EQ(gap.code, "bad_offset") << gap.error;
    // Truncated: a commit before every byte is in is refused, the upload kept.
    ASSERT_TRUE(piece(0, image.substr(0, 5000)).ok);
    auto early = commit();
    EXPECT_FALSE(early.ok);
    EXPECT_EQ(early.code, "incomplete") << early.error;
    EXPECT_FALSE(uploads_empty());
    // Tampered: every piece matches its own hash, but not the image announced: refused and deleted.
    std::string other = image.substr(5000);
    other[17] ^= 0x5a;
    ASSERT_TRUE(piece(5000, other).ok);
    auto tampered = commit();
    EXPECT_FALSE(tampered.ok);
    EXPECT_EQ(tampered.code, "tampered") << tampered.error;
    EXPECT_TRUE(uploads_empty());
    auto list = request("firmware_list");
    ASSERT_TRUE(list.ok);
    EXPECT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(list.data.get(), "firmware")), 0);
    EXPECT_TRUE(!std::filesystem::exists(dir / "state" / "images") ||
                std::filesystem::is_empty(dir / "state" / "images"));
}

TEST_F(Upload, AnImageAboveTheLimitOrAForeignUploadIdIsRefusedAtTheStart) {
    begin_args.size = (4ULL << 30) + 1;
    begin_args.upload = upload_id(begin_args.sha256, begin_args.image);
    auto big = begin();
    EXPECT_FALSE(big.ok);
    EXPECT_EQ(big.code, "too_large") << big.error;
    begin_args.size = image.size();
    begin_args.upload = "u-000000000000000000000000";
    auto foreign = begin();
    EXPECT_FALSE(foreign.ok);
    EXPECT_EQ(foreign.code, "bad_args") << foreign.error;
    EXPECT_TRUE(uploads_empty());
}

// Sets an upload's two files' times `ago` back (as if nothing came since).
void age_upload(const std::filesystem::path& uploads, const std::string& upload, std::chrono::hours ago) {
    const auto then = std::filesystem::file_time_type::clock::now() - ago;
    for (const char* ext : {".meta", ".part"}) std::filesystem::last_write_time(uploads / (upload + ext), then);
}

TEST_F(Upload, AnUploadNobodyContinuedForADayIsRemovedAtTheNextSweep) {
    ASSERT_TRUE(begin().ok);
    EXPECT_EQ(received(piece(0, image.substr(0, 4000))), 4000u);
    age_upload(uploads(), begin_args.upload, std::chrono::hours(23));
    clock.advance(std::chrono::minutes(11));
    mgr->tick();
    EXPECT_FALSE(uploads_empty()) << "23 h idle is within the default 24 h";
    age_upload(uploads(), begin_args.upload, std::chrono::hours(25));
    clock.advance(std::chrono::minutes(11));
    mgr->tick();
    EXPECT_TRUE(uploads_empty());
    EXPECT_EQ(mgr->counters().get("uploads_expired"), 1u);
    // Gone with what it held: a piece for it now is refused, and a begin starts from zero.
    EXPECT_EQ(piece(4000, image.substr(4000)).code, "not_found");
    EXPECT_EQ(received(begin()), 0u);
}

TEST_F(Upload, ABeginAgainRestartsTheIdleTimeAndAnOldUploadGoesAtTheManagersStart) {
    ASSERT_TRUE(begin().ok);
    EXPECT_EQ(received(piece(0, image.substr(0, 4000))), 4000u);
    age_upload(uploads(), begin_args.upload, std::chrono::hours(25));
    // The CLI came back before the sweep: the upload is in use again and stays.
    EXPECT_EQ(received(begin()), 4000u);
    clock.advance(std::chrono::minutes(11));
    mgr->tick();
    EXPECT_EQ(received(begin()), 4000u);
    // Abandoned while the manager was down: removed as it starts.
    age_upload(uploads(), begin_args.upload, std::chrono::hours(25));
    open_manager();
    EXPECT_TRUE(uploads_empty());
    EXPECT_EQ(mgr->counters().get("uploads_expired"), 1u);
}

TEST(UploadCodec, Base64RoundTripsAndRefusesWhatIsNotBase64) {
    for (std::string s :
         {std::string(), std::string("a"), std::string("ab"), std::string("abc"), std::string("\0\xff\x10\x80", 4)}) {
        auto back = base64_decode(base64_encode(s));
        ASSERT_TRUE(back) << back.error().str();
        EXPECT_EQ(*back, s);
    }
    EXPECT_FALSE(base64_decode("abc"));
    EXPECT_FALSE(base64_decode("ab$d"));
}

}  // namespace
}  // namespace fleetcast::manager::testing
