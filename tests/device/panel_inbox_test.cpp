// The agent's panel inbox (device/panel_inbox.cpp) lists its folder only when
// it may have changed; these prove no request is missed by that: one dropped
// right after a listing, more than one poll takes, and one dropped into a
// folder whose time had not moved for an hour.
#include "device/panel_inbox.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <random>

#include "common/atomic_file.hpp"

namespace fleetcast::device {
namespace {

class PanelInboxTest : public ::testing::Test {
   protected:
    void SetUp() override {
        dir = std::filesystem::temp_directory_path() / ("fleetcast-panel-" + std::to_string(std::random_device{}()));
        std::filesystem::create_directories(panel_requests_dir(dir));
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    void drop(const std::string& id) {
        PanelRequest r;
        r.id = id;
        r.action = "cancel";
        ASSERT_TRUE(write_file_atomic(panel_requests_dir(dir) / (id + ".json"), encode(r)));
    }
    std::filesystem::path dir;
};

TEST_F(PanelInboxTest, ARequestDroppedRightAfterAnEmptyListingIsTakenAtTheNextPoll) {
    PanelInbox inbox(dir);
    EXPECT_TRUE(inbox.take(8).empty());
    drop("r1");
    auto got = inbox.take(8);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].id, "r1");
    ASSERT_TRUE(got[0].request) << got[0].request.error().str();
    EXPECT_TRUE(inbox.take(8).empty());
}

TEST_F(PanelInboxTest, MoreRequestsThanOnePollTakesAreTakenByTheNextPollsInNameOrder) {
    PanelInbox inbox(dir);
    for (int i = 0; i < 10; ++i) drop("r" + std::to_string(i));
    std::vector<std::string> ids;
    for (int poll = 0; poll < 3; ++poll)
        for (auto& item : inbox.take(4)) ids.push_back(item.id);
    ASSERT_EQ(ids.size(), 10u);
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    EXPECT_TRUE(inbox.take(4).empty());
}

TEST_F(PanelInboxTest, ARequestIntoAFolderUnchangedForAnHourIsTaken) {
    PanelInbox inbox(dir);
    // The folder's time an hour back: the inbox trusts it and stops listing.
    struct timespec times[2];
    ::clock_gettime(CLOCK_REALTIME, &times[0]);
    times[0].tv_sec -= 3600;
    times[1] = times[0];
    const auto requests = panel_requests_dir(dir);
    ASSERT_EQ(::utimensat(AT_FDCWD, requests.c_str(), times, 0), 0);
    EXPECT_TRUE(inbox.take(8).empty());
    EXPECT_TRUE(inbox.take(8).empty());
    drop("late");  // the rename moves the folder's time to now
    auto got = inbox.take(8);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].id, "late");
}

}  // namespace
}  // namespace fleetcast::device
