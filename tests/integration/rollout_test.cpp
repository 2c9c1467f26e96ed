// Failure thresholds on a real broker (issue 16 item 3): real manager,
// gateway and device simulators; an independent subscriber counts what
// reaches each device.
//
// Determinism: the later devices are busy (R13) from their start, so the
// gateway offers them nothing until the test makes them idle, which it does
// only once the threshold stopped the campaign. From then on only the
// campaign's pause (or cancel) holds them.
#include <gtest/gtest.h>

#include "common/chunk_codec.hpp"
#include "common/ids.hpp"
#include "common/messages.hpp"
#include "common/topics.hpp"
#include "tests/integration/one_device.hpp"
#include "tests/support/observer.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;

namespace {

using Stats = std::map<std::string, Observer::TopicStats>;

std::uint64_t count(const Stats& s, const std::string& topic) {
    auto it = s.find(topic);
    return it == s.end() ? 0 : it->second.messages;
}

// gw1 with A123-000001..2, whose new image fails its first boot (rolled
// back: boot_failed, no retries), and A123-000003..4, busy until the test
// says otherwise. Image main 2.0 of 8 chunks.
struct FailingFirstDevices {
    Fleet fleet;
    ImageFile image;
    const std::vector<std::string> failing{"A123-000001", "A123-000002"};
    const std::vector<std::string> later{"A123-000003", "A123-000004"};
    FailingFirstDevices() {
        fleet.start_manager();
        fleet.start_gateway("gw1", "", {"--defer-period", "1s", "--answer-timeout", "5s", "--ready-timeout", "1s"});
        fleet.start_devices("gw1", "A123", 2, 1, {"main=1.0"}, "", {"--fail-first-boot", "main=2.0"});
        fleet.start_devices("gw1", "A123", 2, 3, {"main=1.0"}, "", {"--profile", "busy=2", "--busy-for", "1h"});
        image = fleet.make_image("A123", "main", "2.0", 8 * kDefaultChunkSize);
        fleet.add_firmware(image);
    }
    ~FailingFirstDevices() { fleet.dump_logs_on_failure(); }
    std::map<std::string, std::string> devices(const char* field) {
        std::map<std::string, std::string> out;
        auto list = fleet.cli_json({"devices"});
        const cJSON* d = nullptr;
        cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(list.get(), "devices")) {
            out[str(d, "device")] = std::string(field) == "firmware"
                                        ? str(cJSON_GetObjectItemCaseSensitive(d, "firmware"), "main")
                                        : str(d, field);
        }
        return out;
    }
    std::string create(const std::vector<std::string>& threshold) {
        if (!fleet.wait_registered(4, 30s)) return {};
        // The later devices' busy state reached the manager, so it is retained for the gateway too.
        if (!eventually(
                [&] {
                    auto s = devices("status");
                    return s[later[0]] == "busy" && s[later[1]] == "busy";
                },
                30s))
            return {};
        std::vector<std::string> args{"campaign", "create", "--all", "--retries", "0", "--power-on-timeout", "20s"};
        args.insert(args.end(), threshold.begin(), threshold.end());
        auto r = fleet.cli(args);
        EXPECT_EQ(r.exit_code, 0) << r.output;
        EXPECT_NE(r.output.find("failure threshold: max 1 of ERROR, then "), std::string::npos) << r.output;
        auto id = r.output.substr(0, r.output.find('\n'));
        return validate_id(id, "campaign") ? id : std::string();
    }
    Json listed(const std::string& campaign) {
        auto list = fleet.cli_json({"campaign", "list"});
        const cJSON* item = nullptr;
        cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(list.get(), "campaigns")) {
            if (str(item, "campaign") == campaign) return Json(cJSON_Duplicate(item, 1));
        }
        return Json();
    }
    std::map<std::string, std::string> results(const std::string& campaign) {
        std::map<std::string, std::string> out;
        auto r = fleet.cli_json({"results", campaign});
        const cJSON* row = nullptr;
        cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(r.get(), "devices")) {
            out[str(row, "device")] = str(row, "result");
        }
        return out;
    }
    // Every message that reached a later device: commands (offers) and chunks.
    std::uint64_t to_later(const Stats& s) {
        std::uint64_t n = 0;
        for (const auto& d : later)
            n += count(s, *topics::dev_cmd("gw1", d)) + count(s, *topics::dev_chunk("gw1", d, image.fw_id));
        return n;
    }
    std::uint64_t fanout(const Stats& s) { return count(s, *topics::site_model_chunk("gw1", "A123", image.fw_id)); }
    // Stopped by the threshold, confirmed by the gateway: the reason names both failed devices.
    bool stopped(const std::string& campaign, const std::string& status, std::string& reason) {
        auto item = listed(campaign);
        reason = str(item.get(), "reason");
        const cJSON* control = cJSON_GetObjectItemCaseSensitive(item.get(), "control");
        return str(item.get(), "status") == status &&
               cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(control, "waiting_for")) == 0;
    }
    void make_later_idle() {
        for (const auto& d : later) {
            auto r = fleet.panel(d, {"--status", "idle"});
            ASSERT_EQ(r.exit_code, 0) << r.output;
        }
        ASSERT_TRUE(eventually(
            [&] {
                auto s = devices("status");
                return s[later[0]] == "idle" && s[later[1]] == "idle";
            },
            30s))
            << "the later devices never reported idle";
    }
};

const char* kReason = "failure threshold 2 of 2 ended failed (max 1): boot_failed x2: A123-000001, A123-000002";

}  // namespace

TEST(Rollout, FailuresOverTheThresholdPauseTheCampaignAndLaterDevicesGetNothing) {
    FailingFirstDevices f;
    Observer wire(f.fleet.uri(), "wire-observer");
    wire.subscribe("fleetcast/v1/site/#");
    auto campaign = f.create({"--max-failures", "1"});
    ASSERT_FALSE(campaign.empty());

    std::string reason;
    ASSERT_TRUE(eventually([&] { return f.stopped(campaign, "paused", reason); }, 90s))
        << "the campaign was not paused by the failures: " << reason;
    EXPECT_EQ(reason, kReason);
    auto results = f.fleet.cli({"results", campaign});
    EXPECT_NE(results.output.find(kReason), std::string::npos) << results.output;
    auto rows = f.results(campaign);
    for (const auto& d : f.failing) EXPECT_EQ(rows[d], "ERROR") << d;
    EXPECT_EQ(f.to_later(wire.stats()), 0u) << "a busy device was offered the update";

    // Idle now: only the pause holds them. Nothing reaches them, no fan-out goes on.
    ASSERT_NO_FATAL_FAILURE(f.make_later_idle());
    const auto paused = wire.stats();
    EXPECT_FALSE(wire.wait_for([&](const Stats& s) { return f.to_later(s) > 0 || f.fanout(s) > f.fanout(paused); }, 5s))
        << "an offer or a chunk reached a device while the campaign was paused";
    for (const auto& d : f.later) EXPECT_EQ(f.devices("firmware")[d], "1.0") << d;

    // Resumed: the later devices update, and the failures counted already do not pause it again.
    auto resumed = f.fleet.cli({"campaign", "resume", campaign});
    ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
    ASSERT_TRUE(eventually(
        [&] {
            auto r = f.results(campaign);
            return r[f.later[0]] == "UPDATING COMPLETED" && r[f.later[1]] == "UPDATING COMPLETED";
        },
        90s))
        << "the later devices did not complete after the resume";
    for (const auto& d : f.later) EXPECT_EQ(f.devices("firmware")[d], "2.0") << d;
    auto item = f.listed(campaign);
    EXPECT_EQ(str(item.get(), "status"), "ended");
    EXPECT_GT(f.to_later(wire.stats()), 0u);
}

TEST(Rollout, FailuresOverTheThresholdCancelTheCampaignWithOnFailureCancel) {
    FailingFirstDevices f;
    Observer wire(f.fleet.uri(), "wire-observer");
    wire.subscribe("fleetcast/v1/site/#");
    auto campaign = f.create({"--max-failures", "1", "--on-failure", "cancel"});
    ASSERT_FALSE(campaign.empty());

    std::string reason;
    ASSERT_TRUE(eventually([&] { return f.stopped(campaign, "canceled", reason); }, 90s))
        << "the campaign was not canceled by the failures: " << reason;
    EXPECT_EQ(reason, kReason);
    ASSERT_TRUE(eventually(
        [&] {
            auto r = f.results(campaign);
            return r[f.later[0]] == "CANCELED" && r[f.later[1]] == "CANCELED";
        },
        30s))
        << "the later devices' updates did not end CANCELED";
    // Their jobs ended before any offer: at most a cancel command reached them, never an offer or a chunk.
    for (const auto& d : f.later) {
        auto last = wire.last_payload(*topics::dev_cmd("gw1", d));
        if (last) {
            EXPECT_EQ(last->find("\"offer\""), std::string::npos) << d << ": " << *last;
        }
        EXPECT_EQ(count(wire.stats(), *topics::dev_chunk("gw1", d, f.image.fw_id)), 0u) << d;
    }
    ASSERT_NO_FATAL_FAILURE(f.make_later_idle());
    const auto canceled = wire.stats();
    EXPECT_FALSE(wire.wait_for(
        [&](const Stats& s) { return f.to_later(s) > f.to_later(canceled) || f.fanout(s) > f.fanout(canceled); }, 4s))
        << "an offer or a chunk reached a device of the canceled campaign";
    for (const auto& d : f.later) EXPECT_EQ(f.devices("firmware")[d], "1.0") << d;
    auto again = f.fleet.cli({"campaign", "resume", campaign});
    EXPECT_NE(again.exit_code, 0) << again.output;
}

TEST(Rollout, BadFailureThresholdsAreRefusedWithExitCode2) {
    Fleet fleet;
    fleet.start_manager();
    for (const std::vector<std::string>& bad : {std::vector<std::string>{"--max-failures", "0%"},
                                                {"--max-failures", "101%"},
                                                {"--max-failures", "-1"},
                                                {"--max-failures", "many"},
                                                {"--max-failures", "1", "--failure-results", "error,broken"},
                                                {"--max-failures", "1", "--on-failure", "stop"},
                                                {"--max-failures", "5%", "--min-ended", "-3"},
                                                {"--on-failure", "cancel"}}) {
        std::vector<std::string> args{"campaign", "create", "--all"};
        args.insert(args.end(), bad.begin(), bad.end());
        auto r = fleet.cli(args);
        EXPECT_EQ(r.exit_code, 2) << bad.back() << ": " << r.output;
        EXPECT_NE(r.output.find("--"), std::string::npos) << r.output;
    }
}
