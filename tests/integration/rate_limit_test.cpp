// Rate limits on a real broker (issue 16 item 4): real manager, gateways and
// device simulators; an independent subscriber records when each device got
// its first offer (its start) and when its transfer ended.
//
// Time: the gateways run --time-scale 5 (a minute of theirs is 12 real
// seconds); the check converts the observed real times with the same factor.
// Message latency delays what the observer sees, by different amounts for
// different messages, so the check allows 0.5 s real (2.5 scaled seconds) of
// skew between two observed starts; a limit that did not work would put
// every device into the same second. The exact span is unit-tested
// (RateLimits.*, GatewayLimitsTest.*).
#include <gtest/gtest.h>

#include <algorithm>

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

constexpr double kScale = 5;

std::uint64_t num(const cJSON* o, const char* key) {
    auto n = json::get_uint(o, key, UINT32_MAX);
    return n ? *n : 0;
}
using WallTime = std::chrono::system_clock::time_point;

std::string campaign_of(const CommandResult& r) {
    auto id = r.output.substr(0, r.output.find('\n'));
    return validate_id(id, "campaign") ? id : std::string();
}

bool completed(Fleet& fleet, const std::string& campaign, std::chrono::seconds wait) {
    auto r = fleet.cli({"results", campaign, "--wait-complete", std::to_string(wait.count())}, wait + 20s);
    if (r.exit_code != 0) ADD_FAILURE() << r.output;
    return r.exit_code == 0;
}

// device -> the time its first offer reached the observer.
std::map<std::string, WallTime> first_offers(const std::vector<Observer::Received>& kept) {
    std::map<std::string, WallTime> out;
    for (const auto& m : kept) {
        auto parsed = topics::parse_topic(m.topic);
        if (!parsed || parsed->kind != topics::Kind::DevCmd) continue;
        auto cmd = decode_device_command(m.payload);
        if (!cmd || !std::holds_alternative<OfferCmd>(*cmd)) continue;
        out.emplace(parsed->device, m.at);  // the first one stays
    }
    return out;
}

// The most starts in any span of `span` (gateway time) - jitter.
std::size_t most_starts_in_a_span(std::vector<WallTime> starts, std::chrono::milliseconds span) {
    std::sort(starts.begin(), starts.end());
    const auto real_span = std::chrono::duration_cast<std::chrono::system_clock::duration>(span / kScale);
    const auto jitter = std::chrono::duration_cast<std::chrono::system_clock::duration>(2500ms / kScale);
    std::size_t most = 0;
    for (std::size_t i = 0; i < starts.size(); ++i) {
        auto n =
            static_cast<std::size_t>(std::count_if(starts.begin() + static_cast<std::ptrdiff_t>(i), starts.end(),
                                                   [&](WallTime t) { return t - starts[i] < real_span - jitter; }));
        most = std::max(most, n);
    }
    return most;
}

}  // namespace

TEST(RateLimit, NoMoreThanNDevicesStartPerMinute) {
    Fleet fleet;
    Observer wire(fleet.uri(), "wire-observer");
    wire.keep("fleetcast/v1/site/");
    wire.subscribe("fleetcast/v1/site/+/dev/+/cmd");
    const std::vector<std::string> gateway_args{"--time-scale",   "5",   "--answer-timeout", "300s",
                                                "--defer-period", "60s", "--ready-timeout",  "5s"};
    fleet.start_manager();
    fleet.start_gateway("gw1", "", gateway_args);
    fleet.start_gateway("gw2", "", gateway_args);
    fleet.start_devices("gw1", "A123", 3, 1, {"main=1.0"});
    fleet.start_devices("gw2", "A123", 3, 4, {"main=1.0"});
    auto image = fleet.make_image("A123", "main", "2.0", 4 * kDefaultChunkSize);
    fleet.add_firmware(image);
    ASSERT_TRUE(fleet.wait_registered(6, 30s));

    // 3 per minute over two gateways of 3 devices: shares 2 and 1.
    auto created = fleet.cli_json(
        {"campaign", "create", "--all", "--max-per-minute", "3", "--power-on-timeout", "10m", "--retries", "0"});
    ASSERT_TRUE(created.get());
    const std::string campaign = str(created.get(), "campaign");
    ASSERT_FALSE(campaign.empty());
    EXPECT_EQ(num(created.get(), "max_per_minute"), 3u);
    // The expected end counts the limit: the gateway with 1 start per minute starts its third device 2 minutes in.
    auto update_at = json::get_time(created.get(), "update_at");
    auto expected_end = json::get_time(created.get(), "expected_end");
    ASSERT_TRUE(update_at && expected_end);
    EXPECT_GE(*expected_end - *update_at, 120s);

    ASSERT_TRUE(completed(fleet, campaign, 120s));
    auto starts = first_offers(wire.kept());
    ASSERT_EQ(starts.size(), 6u) << "every device was offered its update";
    std::vector<WallTime> times;
    for (const auto& [device, at] : starts) times.push_back(at);
    EXPECT_LE(most_starts_in_a_span(times, 60s), 3u) << "more than 3 devices started within one minute";
    fleet.dump_logs_on_failure();
}

TEST(RateLimit, NoMoreThanNDevicesTransferAtOncePerGateway) {
    Fleet fleet;
    Observer wire(fleet.uri(), "wire-observer");
    wire.keep("fleetcast/v1/site/");
    wire.subscribe("fleetcast/v1/site/+/dev/+/cmd");
    wire.subscribe("fleetcast/v1/site/+/dev/+/event");
    fleet.start_manager();
    fleet.start_gateway("gw1", "", {"--ready-timeout", "1s"});
    // Slow flash: each transfer lasts a few seconds, so unlimited transfers would overlap.
    fleet.start_devices("gw1", "A123", 5, 1, {"main=1.0"}, "", {"--flash-write-delay", "150ms"});
    auto image = fleet.make_image("A123", "main", "2.0", 8 * kDefaultChunkSize);
    fleet.add_firmware(image);
    ASSERT_TRUE(fleet.wait_registered(5, 30s));
    auto r = fleet.cli({"campaign", "create", "--all", "--max-concurrent-per-gateway", "2", "--retries", "0"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("max concurrent per gateway: 2"), std::string::npos) << r.output;
    auto campaign = campaign_of(r);
    ASSERT_FALSE(campaign.empty());
    ASSERT_TRUE(completed(fleet, campaign, 120s));

    // In arrival order: a device's first offer opens its transfer, its first
    // installing/restarting progress or power_on (the image is complete) ends it.
    std::map<std::string, int> phase;  // 0 never offered, 1 in transfer, 2 done
    int in_transfer = 0, most = 0;
    for (const auto& m : wire.kept()) {
        auto parsed = topics::parse_topic(m.topic);
        if (!parsed) continue;
        int& p = phase[parsed->device];
        if (parsed->kind == topics::Kind::DevCmd && p == 0) {
            auto cmd = decode_device_command(m.payload);
            if (!cmd || !std::holds_alternative<OfferCmd>(*cmd)) continue;
            p = 1;
            most = std::max(most, ++in_transfer);
        } else if (parsed->kind == topics::Kind::DevEvent && p == 1) {
            auto e = decode_device_event(m.payload);
            if (!e) continue;
            const auto* progress = std::get_if<ProgressEvent>(&*e);
            bool ended = std::holds_alternative<PowerOnEvent>(*e) ||
                         (progress && (progress->phase == "installing" || progress->phase == "restarting"));
            if (!ended) continue;
            p = 2;
            --in_transfer;
        }
    }
    EXPECT_EQ(std::count_if(phase.begin(), phase.end(), [](const auto& kv) { return kv.second == 2; }), 5);
    EXPECT_LE(most, 2) << "more than 2 devices were in transfer at once";
    EXPECT_EQ(most, 2) << "the limit let 2 transfer side by side";
    fleet.dump_logs_on_failure();
}

TEST(RateLimit, BadLimitsAreRefusedByTheCliAndTheManager) {
    Fleet fleet;
    fleet.start_manager();
    for (const char* bad : {"0", "-1", "1.5", "abc", "1000001", ""}) {
        auto r = fleet.cli({"campaign", "create", "--all", "--max-per-minute", bad});
        EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.output;
        r = fleet.cli({"campaign", "create", "--all", "--max-concurrent-per-gateway", bad});
        EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.output;
    }
}
