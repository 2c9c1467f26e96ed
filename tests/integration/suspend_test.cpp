// The operator's suspend and resume of one device's update on a real broker
// (R19): nothing more is sent while it is held, the device keeps what it
// wrote, and after the resume only the chunks it lacks cross the site link.
#include <gtest/gtest.h>

#include "common/atomic_file.hpp"
#include "common/chunk_codec.hpp"
#include "common/messages.hpp"
#include "common/topics.hpp"
#include "tests/integration/one_device.hpp"
#include "tests/support/observer.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;

namespace {
const cJSON* first_row(const Json& results) {
    return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(results.get(), "devices"), 0);
}
}  // namespace

TEST(SuspendResume, SuspendHoldsAnUpdateMidWayAndResumeSendsOnlyMissingChunks) {
    // The first write past half of the image fails: the device keeps the
    // chunks it wrote and the gateway schedules a retry 3 s later (R17). The
    // operator suspends the update in between, holding the half-written image.
    const std::uint64_t size = 24 * kDefaultChunkSize + 100;  // 25 chunks
    const std::uint32_t chunks = chunk_count_for(size, kDefaultChunkSize);
    OneDevice f({"--fault-first-write-fails", "1"}, size);
    Observer wire(f.fleet.uri(), "wire-observer");
    wire.subscribe("fleetcast/v1/site/gw1/#");
    auto campaign = f.create({"--retries", "2", "--retry-backoff", "3s"});
    ASSERT_FALSE(campaign.empty());
    ASSERT_TRUE(eventually(
        [&] {
            auto results = f.fleet.cli_json({"results", campaign});
            const cJSON* row = first_row(results);
            return str(row, "state") == "waiting" && str(row, "detail").find("retry 1/2") != std::string::npos;
        },
        30s))
        << "the first attempt did not fail into a retry";

    auto suspended = f.fleet.cli({"suspend", kDevice});
    ASSERT_EQ(suspended.exit_code, 0) << suspended.output;
    EXPECT_NE(suspended.output.find(": suspended"), std::string::npos) << suspended.output;
    auto status = f.fleet.cli_json({"status", kDevice});
    EXPECT_EQ(str(status.get(), "phase"), "suspended");
    EXPECT_NE(str(status.get(), "detail").find("suspended by operator"), std::string::npos)
        << str(status.get(), "detail");
    auto gw = f.fleet.cli_json({"gateway", "gw1"});
    const cJSON* gw_row = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(gw.get(), "rows"), 0);
    EXPECT_TRUE(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(gw_row, "suspended")));

    // The retry time passes: nothing is offered or sent while suspended.
    const auto cmd = *topics::dev_cmd("gw1", kDevice);
    const auto fan = *topics::site_model_chunk("gw1", "A123", f.image.fw_id);
    const auto repair = *topics::dev_chunk("gw1", kDevice, f.image.fw_id);
    auto count = [](const std::map<std::string, Observer::TopicStats>& m, const std::string& t) {
        auto it = m.find(t);
        return it == m.end() ? std::uint64_t{0} : static_cast<std::uint64_t>(it->second.messages);
    };
    auto before = wire.stats();
    EXPECT_FALSE(wire.wait_for(
        [&](const auto& s) {
            return count(s, cmd) > count(before, cmd) || count(s, repair) > count(before, repair) ||
                   count(s, fan) > count(before, fan);
        },
        5s))
        << "the suspended update was offered or sent again";
    EXPECT_EQ(f.running_main(), "1.0");
    auto held = f.fleet.cli_json({"status", kDevice});
    EXPECT_EQ(str(held.get(), "phase"), "suspended") << "the hold ended by itself";

    auto resumed = f.fleet.cli({"resume", kDevice});
    ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
    EXPECT_NE(resumed.output.find("not suspended"), std::string::npos) << resumed.output;
    auto row = f.ended_row(campaign, 60s);
    ASSERT_FALSE(row.empty());
    EXPECT_EQ(str(row.get(), "result"), "UPDATING COMPLETED") << str(row.get(), "detail");
    EXPECT_EQ(f.running_main(), "2.0");

    // After the resume the device asked only for the half it lacked.
    auto after = wire.stats();
    EXPECT_EQ(count(after, fan), count(before, fan)) << "the image was fanned out again";
    const std::uint64_t resent = count(after, repair) - count(before, repair);
    EXPECT_GT(resent, 0u);
    EXPECT_LE(resent, chunks / 2 + 1) << "chunks the device had written before the suspend were sent again";
    auto again = f.fleet.cli({"resume", kDevice});
    EXPECT_NE(again.exit_code, 0) << "resume of an ended update: " << again.output;
}

TEST(SuspendResume, SuspendReachesADeviceBehindOnWritingAtOnce) {
    // 60 chunks at 100 ms of simulated flash each: the gateway hands the whole
    // image to the broker at once and the device writes it over ~6 s. The
    // suspend comes on the device's control connection, ahead of the chunks
    // still queued for its data connection: the device stops mid-image.
    const std::uint64_t size = 60 * kDefaultChunkSize;
    const std::uint32_t chunks = chunk_count_for(size, kDefaultChunkSize);
    OneDevice f({"--flash-write-delay", "100ms"}, size);
    Observer wire(f.fleet.uri(), "wire-observer");
    wire.subscribe("fleetcast/v1/site/gw1/#");
    auto campaign = f.create({"--retries", "0"});
    ASSERT_FALSE(campaign.empty());
    ASSERT_TRUE(eventually(
        [&] {
            auto results = f.fleet.cli_json({"results", campaign});
            auto p = json::get_uint(first_row(results), "progress", 100);
            return p && *p >= 20;
        },
        30s))
        << "the transfer never reached 20 %";

    auto suspended = f.fleet.cli({"suspend", kDevice});
    ASSERT_EQ(suspended.exit_code, 0) << suspended.output;
    // The device takes the command long before the rest of the image would be written.
    auto device_log = [&] {
        auto text = read_file(f.fleet.device_processes().at(0).log_path());
        return text ? *text : std::string();
    };
    ASSERT_TRUE(eventually([&] { return device_log().find("update_suspended") != std::string::npos; }, 3s))
        << "the device did not take the suspend within 3 s";
    auto status = f.fleet.cli_json({"status", kDevice});
    EXPECT_EQ(str(status.get(), "phase"), "suspended");
    const auto held_progress = json::get_uint(status.get(), "progress", 100);
    ASSERT_TRUE(held_progress);
    EXPECT_LT(*held_progress, 100u);
    EXPECT_FALSE(eventually([&] { return f.running_main() == "2.0"; }, 8s))
        << "the device installed the image while its update was suspended";

    const auto fan = *topics::site_model_chunk("gw1", "A123", f.image.fw_id);
    const auto repair = *topics::dev_chunk("gw1", kDevice, f.image.fw_id);
    auto before = wire.stats();
    auto resumed = f.fleet.cli({"resume", kDevice});
    ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
    auto row = f.ended_row(campaign, 60s);
    ASSERT_FALSE(row.empty());
    EXPECT_EQ(str(row.get(), "result"), "UPDATING COMPLETED") << str(row.get(), "detail");
    EXPECT_EQ(f.running_main(), "2.0");
    auto after = wire.stats();
    EXPECT_EQ(after[fan].messages, before[fan].messages) << "the image was fanned out again";
    const std::uint64_t resent = after[repair].messages - before[repair].messages;
    EXPECT_GT(resent, 0u);
    EXPECT_LE(resent, chunks - *held_progress * chunks / 100) << "chunks written before the suspend were sent again";
}
