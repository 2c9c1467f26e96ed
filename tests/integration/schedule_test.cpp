// Scheduled campaigns on a real broker (R6-R10): pull and push modes update
// devices only at their update time, the image crosses the manager->gateway
// link at the right moment (pull: after the update time; push: at the
// transmission time) and once, a gateway killed before the update time still
// runs its stored schedule, bad campaign input exits 2, rates reach the manager.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include "common/chunk_codec.hpp"
#include "common/ids.hpp"
#include "common/messages.hpp"
#include "common/topics.hpp"
#include "tests/integration/fleet.hpp"
#include "tests/support/observer.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kImageSize = 1024 * 1024 + 333;

TimePoint time_field(const Json& data, const char* key) {
    auto t = json::get_time(data.get(), key);
    EXPECT_TRUE(t) << key;
    return t ? *t : TimePoint{};
}

std::string file_text(const std::filesystem::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

// Every target of `campaign` completed, according to the manager.
bool completed(Fleet& fleet, const std::string& campaign, std::chrono::seconds wait) {
    auto r = fleet.cli({"results", campaign, "--wait-complete", std::to_string(wait.count())}, wait + 20s);
    if (r.exit_code != 0) ADD_FAILURE() << r.output;
    return r.exit_code == 0;
}

struct Site {
    Fleet fleet;
    Observer wire{fleet.uri(), "wire-observer"};
    ImageFile image;

    explicit Site(const std::vector<std::string>& gateway_args = {}) {
        for (auto f : {"fleetcast/v1/gw/+/fw/+/chunk", "fleetcast/v1/gw/+/fetch", "fleetcast/v1/gw/+/schedule/+",
                       "fleetcast/v1/site/+/model/+/fw/+/chunk"})
            wire.subscribe(f);
        fleet.start_manager();
        fleet.start_gateway("gw1", "", gateway_args);
        fleet.start_devices("gw1", "A123", 3, 1, {"main=1.0"});
        image = fleet.make_image("A123", "main", "2.0", kImageSize);
        fleet.add_firmware(image);
    }
    Observer::TopicStats up() const { return stat(*topics::gw_chunk("gw1", image.fw_id)); }
    Observer::TopicStats fanout() const { return stat(*topics::site_model_chunk("gw1", "A123", image.fw_id)); }
    Observer::TopicStats stat(const std::string& topic) const {
        auto s = wire.stats();
        auto it = s.find(topic);
        return it == s.end() ? Observer::TopicStats{} : it->second;
    }
    std::uint64_t chunks() const { return chunk_count_for(image.size, kDefaultChunkSize); }
};

}  // namespace

TEST(Schedule, PullModeFetchesOnlyAfterUpdateTime) {
    Site site;
    auto& fleet = site.fleet;
    ASSERT_TRUE(fleet.wait_registered(3, 60s));

    auto created = fleet.cli_json({"campaign", "create", "--all", "--update-at", "+5s", "--campaign", "c-pull"});
    ASSERT_FALSE(created.empty());
    auto update_at = time_field(created, "update_at");
    EXPECT_FALSE(json::get_optional_string(created.get(), "transmit_at"));

    // The schedule is retained on the broker (mosquitto_sub -v -t 'fleetcast/#' shows it).
    auto schedule_topic = *topics::gw_schedule("gw1", "c-pull");
    ASSERT_TRUE(eventually([&] { return site.stat(schedule_topic).messages > 0; }, 10s));
    auto s = decode_schedule(site.stat(schedule_topic).last_payload);
    ASSERT_TRUE(s) << s.error().str();
    EXPECT_EQ(s->update_at, update_at);
    EXPECT_EQ(s->mode, TransferMode::Pull);

    ASSERT_TRUE(completed(fleet, "c-pull", 120s));
    auto up = site.up();
    EXPECT_EQ(up.messages, site.chunks());  // once, however many devices
    // Pull: the gateway asks only when the update time has come, and so the
    // image and the fan-out cross after it.
    EXPECT_GE(site.stat(*topics::gw_fetch("gw1")).first_at, update_at);
    EXPECT_GE(up.first_at, update_at);
    EXPECT_GE(site.fanout().first_at, update_at);

    // A finished campaign clears its retained schedule.
    EXPECT_TRUE(eventually([&] { return site.stat(schedule_topic).last_payload.empty(); }, 10s));

    // The gateway's measured rates reach the manager: the manager->gateway link
    // and, from the real deliveries, each device link.
    EXPECT_TRUE(eventually(
        [&] {
            auto rates = fleet.cli_json({"rates"});
            if (rates.empty()) return false;
            int manager = 0, fanout = 0;
            const cJSON* r = nullptr;
            cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(rates.get(), "rates")) {
                auto link = json::get_optional_string(r, "link").value_or("");
                auto source = json::get_optional_string(r, "source").value_or("");
                auto bps = json::get_uint(r, "bytes_per_s", UINT64_MAX);
                if (!bps || *bps == 0) return false;
                if (link == "manager") ++manager;
                if (link == "device" && source == "fanout") ++fanout;
            }
            return manager == 1 && fanout == 3;
        },
        20s));
}

TEST(Schedule, PushModeSendsImageAtTransmitTimeAndUpdatesAtUpdateTime) {
    Site site;
    auto& fleet = site.fleet;
    ASSERT_TRUE(fleet.wait_registered(3, 60s));

    auto created = fleet.cli_json({"campaign", "create", "--all", "--mode", "push", "--transmit-at", "+3s",
                                   "--update-at", "+8s", "--campaign", "c-push"});
    ASSERT_FALSE(created.empty());
    auto transmit_at = time_field(created, "transmit_at");
    auto update_at = time_field(created, "update_at");
    ASSERT_LT(transmit_at, update_at);

    ASSERT_TRUE(completed(fleet, "c-push", 120s));
    auto up = site.up();
    // Sent unasked at the transmission time, all of it, once; the gateway
    // never had to ask.
    EXPECT_EQ(up.messages, site.chunks());
    EXPECT_GE(up.first_at, transmit_at);
    EXPECT_LT(up.last_at, update_at);
    EXPECT_EQ(site.stat(*topics::gw_fetch("gw1")).messages, 0u);
    // Devices get it only at the update time.
    EXPECT_GE(site.fanout().first_at, update_at);
}

TEST(Schedule, GatewayKilledBetweenScheduleAndUpdateTimeStillCompletes) {
    Site site;
    auto& fleet = site.fleet;
    ASSERT_TRUE(fleet.wait_registered(3, 60s));

    auto created = fleet.cli_json({"campaign", "create", "--all", "--update-at", "+6s", "--campaign", "c-kill"});
    ASSERT_FALSE(created.empty());
    auto update_at = time_field(created, "update_at");
    auto log = fleet.gateway("gw1").log_path();
    ASSERT_TRUE(eventually([&] { return file_text(log).find("schedule_stored") != std::string::npos; }, 10s));

    fleet.gateway("gw1").signal(SIGKILL);
    ASSERT_NE(fleet.gateway("gw1").wait_exit(5s), -1);
    ASSERT_LT(std::chrono::system_clock::now(), update_at) << "the kill came too late to prove anything";
    fleet.start_gateway("gw1");
    // The restarted gateway has the schedule from its own storage.
    ASSERT_TRUE(eventually([&] { return file_text(log).find("schedules=1") != std::string::npos; }, 10s));

    ASSERT_TRUE(completed(fleet, "c-kill", 120s));
    auto up = site.up();
    EXPECT_EQ(up.messages, site.chunks());
    EXPECT_GE(up.first_at, update_at);
    EXPECT_GE(site.fanout().first_at, update_at);
}

TEST(Schedule, ManagerRestartedMidCampaignResumesWithoutResending) {
    Site site;
    auto& fleet = site.fleet;
    ASSERT_TRUE(fleet.wait_registered(3, 60s));

    // Push at once, update in 6 s: the manager is restarted between the two.
    auto created = fleet.cli_json({"campaign", "create", "--all", "--mode", "push", "--transmit-at", "now",
                                   "--update-at", "+6s", "--campaign", "c-mgr"});
    ASSERT_FALSE(created.empty());
    ASSERT_TRUE(eventually([&] { return site.up().messages == site.chunks(); }, 20s));
    fleet.manager().stop(5s);
    fleet.start_manager();

    ASSERT_TRUE(completed(fleet, "c-mgr", 120s));
    // Nothing crossed the manager->gateway link twice because of the restart.
    EXPECT_EQ(site.up().messages, site.chunks());
    EXPECT_EQ(site.stat(*topics::gw_fetch("gw1")).messages, 0u);
}

TEST(Schedule, BadCampaignInputIsRefusedWithExitCode2) {
    Fleet fleet;
    fleet.start_manager();
    auto expect_refused = [&](const std::vector<std::string>& args, const std::string& words) {
        std::vector<std::string> argv{"campaign", "create"};
        argv.insert(argv.end(), args.begin(), args.end());
        auto r = fleet.cli(argv);
        EXPECT_EQ(r.exit_code, 2) << r.output;
        EXPECT_NE(r.output.find(words), std::string::npos) << r.output;
    };
    expect_refused({"--devices-file", (fleet.dir() / "no-such-file.txt").string()}, "cannot read");
    expect_refused({"--all", "--update-at", "tomorrow at noon"}, "not an ISO-8601 time");
    expect_refused({"--all", "--update-at", "2026-13-45T25:00"}, "not an ISO-8601 time");
    // The manager judges times against its own clock.
    expect_refused({"--all", "--expires-at", "2020-01-01T00:00:00Z"}, "in the past");
    expect_refused({"--all", "--update-at", "+2h", "--expires-at", "+1h"}, "not after update_at");
    expect_refused({"--all", "--asap", "--update-at", "+1h"}, "--asap excludes");
    std::ofstream(fleet.dir() / "bad-ids.txt") << "A123-000001\nnot an id!\n";
    expect_refused({"--devices-file", (fleet.dir() / "bad-ids.txt").string()}, "bad-ids.txt:2");
}
