// A power-on report that does not follow this attempt's install must not
// complete the job (topics.md flow step 7, issue 13 item 6), on a real broker:
// a forged power_on published on the device's event topic during a slow
// transfer is refused, and a cancel afterwards still cancels the update.
#include <gtest/gtest.h>

#include "common/messages.hpp"
#include "common/topics.hpp"
#include "tests/integration/handshake_support.hpp"
#include "tests/integration/one_device.hpp"
#include "tests/support/observer.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;

namespace {
std::uint64_t refused_count(const Observer& wire) {
    auto state = wire.last_payload(*topics::gw_state("gw1"));
    if (!state) return 0;
    auto s = decode_process_state(*state);
    if (!s) return 0;
    auto it = s->counters.find("power_on_refused");
    return it == s->counters.end() ? 0 : it->second;
}
}  // namespace

TEST(PowerOnProof, ForgedPowerOnDuringTransferDoesNotCompleteAndCancelStillCancels) {
    // 60 chunks at 250 ms of simulated flash each: the transfer takes ~15 s.
    const std::uint64_t size = 60 * kDefaultChunkSize;
    OneDevice f({"--flash-write-delay", "250ms"}, size);
    Observer wire(f.fleet.uri(), "forger");
    wire.subscribe(*topics::gw_state("gw1"));
    auto campaign = f.create({"--retries", "0"});
    ASSERT_FALSE(campaign.empty());
    ResultRow row;
    ASSERT_TRUE(eventually(
        [&] {
            row = result_row(f.fleet, campaign, kDevice);
            return row.state == "transferring" && gateway_row(f.fleet, "gw1", kDevice).state == "transferring";
        },
        30s))
        << "the transfer did not start: " << row.state;

    // What a buggy device (or anyone, without the production ACL) could send:
    // the new version, with and without the manifest's image hash.
    PowerOnEvent forged{campaign, {{"main", "2.0"}}, 1};
    wire.publish(*topics::dev_event("gw1", kDevice), encode(forged));
    forged.image_sha256["main"] = f.image.sha256;
    wire.publish(*topics::dev_event("gw1", kDevice), encode(forged));

    // The gateway counts both as refused (or, before the fix, completed the job).
    ASSERT_TRUE(eventually(
        [&] { return refused_count(wire) >= 2 || result_row(f.fleet, campaign, kDevice).state == "completed"; }, 20s))
        << "the gateway neither refused nor took the forged reports";
    row = result_row(f.fleet, campaign, kDevice);
    EXPECT_EQ(row.state, "transferring") << row.detail;
    EXPECT_NE(row.result, "UPDATING COMPLETED") << row.detail;
    EXPECT_EQ(gateway_row(f.fleet, "gw1", kDevice).state, "transferring");
    EXPECT_EQ(booted_version(f.fleet, kDevice), "1.0");

    auto canceled = f.fleet.cli({"cancel", kDevice});
    ASSERT_EQ(canceled.exit_code, 0) << canceled.output;
    ASSERT_TRUE(eventually([&] { return (row = result_row(f.fleet, campaign, kDevice)).state == "canceled"; }, 30s))
        << row.state << ": " << row.detail;
    EXPECT_EQ(row.result, "CANCELED");
    EXPECT_NE(row.detail.find("during transfer"), std::string::npos) << row.detail;
    EXPECT_EQ(booted_version(f.fleet, kDevice), "1.0");
    EXPECT_TRUE(eventually([&] { return f.running_main() == "1.0"; }, 10s)) << f.running_main();
    auto panel = f.fleet.panel(kDevice, {"--show"});
    EXPECT_NE(panel.output.find("CANCELED: still running main=1.0"), std::string::npos) << panel.output;
}
