// Completion, retries and expiry on a real broker (R16-R18): faults injected
// by the device simulator, results read back through the operator CLI.
#include <gtest/gtest.h>

#include "common/atomic_file.hpp"
#include "common/chunk_codec.hpp"
#include "common/ids.hpp"
#include "common/messages.hpp"
#include "common/topics.hpp"
#include "tests/integration/fleet.hpp"
#include "tests/integration/one_device.hpp"
#include "tests/support/observer.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;

namespace {}  // namespace

TEST(RetryExpiry, FirstWriteFailureCompletesAfterRetryResendingOnlyMissingChunks) {
    const std::uint64_t size = 24 * kDefaultChunkSize + 100;  // 25 chunks
    OneDevice f({"--fault-first-write-fails", "1"}, size);
    Observer wire(f.fleet.uri(), "wire-observer");
    wire.subscribe("fleetcast/v1/site/gw1/#");
    auto campaign = f.create({"--retries", "2", "--retry-backoff", "300ms"});
    ASSERT_FALSE(campaign.empty());
    auto row = f.ended_row(campaign, 60s);
    ASSERT_FALSE(row.empty());
    EXPECT_EQ(str(row.get(), "result"), "UPDATING COMPLETED") << str(row.get(), "detail");
    EXPECT_EQ(f.running_main(), "2.0");

    // The first attempt's fan-out sent the image once on the model topic; the
    // retry re-sent only what the device lacked on its own topic.
    const std::uint32_t chunks = chunk_count_for(size, kDefaultChunkSize);
    auto stats = wire.stats();
    auto fan = stats[*topics::site_model_chunk("gw1", "A123", f.image.fw_id)];
    auto repair = stats[*topics::dev_chunk("gw1", kDevice, f.image.fw_id)];
    EXPECT_EQ(fan.messages, chunks);
    EXPECT_GT(repair.messages, 0u) << "the retry sent nothing: the device cannot have completed from it";
    EXPECT_LT(repair.bytes, size) << "the retry re-sent the whole image";
    EXPECT_LE(repair.messages, chunks / 2 + 1) << "chunks the device had written were sent again";
    // The device's error and the retry are on record: two offers.
    auto offers = stats[*topics::dev_cmd("gw1", kDevice)];
    EXPECT_GE(offers.messages, 2u);
}

TEST(RetryExpiry, MissingPowerOnReportEndsInErrorAfterRetryLimit) {
    OneDevice f({"--fault-no-power-on", "1"}, 3 * kDefaultChunkSize);
    Observer wire(f.fleet.uri(), "wire-observer");
    wire.subscribe("fleetcast/v1/site/gw1/dev/+/cmd");
    auto campaign = f.create({"--retries", "1", "--retry-backoff", "200ms", "--power-on-timeout", "1s"});
    ASSERT_FALSE(campaign.empty());
    auto row = f.ended_row(campaign, 60s);
    ASSERT_FALSE(row.empty());
    EXPECT_EQ(str(row.get(), "result"), "ERROR");
    EXPECT_EQ(str(row.get(), "error"), "no_power_on") << str(row.get(), "detail");
    EXPECT_NE(str(row.get(), "detail").find("after 1 retries"), std::string::npos) << str(row.get(), "detail");
    EXPECT_FALSE(str(row.get(), "ended_at").empty());
    EXPECT_EQ(f.running_main(), "1.0");
    // One first attempt and one retry: two offers (and their fanout_done).
    int offers = 0;
    auto payload = wire.last_payload(*topics::dev_cmd("gw1", kDevice));
    ASSERT_TRUE(payload);
    for (const auto& [topic, s] : wire.stats()) offers += static_cast<int>(s.messages);
    EXPECT_GE(offers, 2);
}

TEST(RetryExpiry, ImageThatFailsToBootIsCountedAFailure) {
    OneDevice f({"--fault-boot-fails", "1"}, 3 * kDefaultChunkSize);
    auto campaign = f.create({"--retries", "0"});
    ASSERT_FALSE(campaign.empty());
    auto row = f.ended_row(campaign, 60s);
    ASSERT_FALSE(row.empty());
    EXPECT_EQ(str(row.get(), "result"), "ERROR");
    EXPECT_EQ(str(row.get(), "error"), "boot_failed") << str(row.get(), "detail");
    EXPECT_NE(str(row.get(), "detail").find("booted version 1.0"), std::string::npos) << str(row.get(), "detail");
    EXPECT_EQ(f.running_main(), "1.0");
}

TEST(RetryExpiry, ExpiryMidTransferStopsSendingAndKeepsOldFirmware) {
    // 40 chunks at 100 ms of simulated flash each: about 4 s of transfer.
    const std::uint64_t size = 40 * kDefaultChunkSize;
    OneDevice f({"--flash-write-delay", "100ms"}, size);
    Observer wire(f.fleet.uri(), "wire-observer");
    wire.subscribe("fleetcast/v1/site/gw1/#");
    wire.subscribe("fleetcast/v1/gw/gw1/report");
    auto campaign = f.create({"--expires-at", "+2500ms", "--retries", "0"});
    ASSERT_FALSE(campaign.empty());
    auto row = f.ended_row(campaign, 30s);
    ASSERT_FALSE(row.empty());
    EXPECT_EQ(str(row.get(), "result"), "EXPIRED") << str(row.get(), "detail");
    EXPECT_EQ(str(row.get(), "state"), "expired");
    EXPECT_NE(str(row.get(), "detail").find("EXPIRED"), std::string::npos);

    // The device was told to stop, dropped its partial image and still runs 1.0.
    const auto cmd_topic = *topics::dev_cmd("gw1", kDevice);
    ASSERT_TRUE(wire.wait_for(
        [&](const auto& s) {
            auto it = s.find(cmd_topic);
            return it != s.end() && it->second.last_payload.find("\"expire\"") != std::string::npos;
        },
        10s));
    EXPECT_EQ(f.running_main(), "1.0");
    auto slots = f.fleet.device_dir(kDevice) / "slots" / "main";
    EXPECT_TRUE(eventually(
        [&] {
            std::error_code ec;
            for (const auto& e : std::filesystem::directory_iterator(slots, ec))
                // The inactive slot B held the partial image; A is the running firmware's.
                if (e.path().filename() == "B.img" || e.path().extension() == ".have") return false;
            return true;
        },
        10s))
        << "a partial image is still in " << slots;

    // Nothing more is published to the device after the expiry settled.
    auto repair = *topics::dev_chunk("gw1", kDevice, f.image.fw_id);
    auto fan = *topics::site_model_chunk("gw1", "A123", f.image.fw_id);
    auto before = wire.stats();
    EXPECT_FALSE(wire.wait_for(
        [&](const auto& s) {
            auto count = [&](const std::map<std::string, Observer::TopicStats>& m, const std::string& t) {
                auto it = m.find(t);
                return it == m.end() ? 0ull : static_cast<unsigned long long>(it->second.messages);
            };
            return count(s, repair) > count(before, repair) || count(s, fan) > count(before, fan);
        },
        3s))
        << "the gateway kept sending chunks after the campaign expired";
    EXPECT_LT(before[fan].messages + before[repair].messages, 2u * 40u);
}
