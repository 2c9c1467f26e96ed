// Waves on a real broker (issue 16 item 2): real manager, gateways and device
// simulators, one simulator process per device so that a test can restart a
// device with other options once it knows the device's wave; an independent
// subscriber counts what reaches each device and each gateway.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <set>
#include <thread>

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

std::string device_id(int serial) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "A123-%06d", serial);
    return buf;
}

// `per_gateway` A123 devices (main 1.0) on each of gw1..gwN, one simulator
// process each, and an image main 2.0 of 8 chunks.
struct WaveFleet {
    Fleet fleet;
    ImageFile image;
    std::map<std::string, std::string> gateway_of;  // device -> gateway
    std::map<std::string, std::size_t> process;     // device -> index in fleet.device_processes()
    std::map<std::string, int> serial;
    WaveFleet(int gateways, int per_gateway, const std::vector<std::string>& device_options) {
        fleet.start_manager();
        int n = 0;
        for (int g = 1; g <= gateways; ++g) {
            const std::string gw = "gw" + std::to_string(g);
            fleet.start_gateway(gw, "", {"--defer-period", "1s", "--answer-timeout", "5s", "--ready-timeout", "1s"});
            for (int i = 0; i < per_gateway; ++i) {
                const auto d = device_id(++n);
                gateway_of[d] = gw;
                serial[d] = n;
                process[d] = fleet.start_devices(gw, "A123", 1, n, {"main=1.0"}, "", device_options);
            }
        }
        image = fleet.make_image("A123", "main", "2.0", 8 * kDefaultChunkSize);
        fleet.add_firmware(image);
    }
    ~WaveFleet() { fleet.dump_logs_on_failure(); }

    // kill -9 of the device's simulator, started again on its state with `options`.
    void restart(const std::string& d, const std::vector<std::string>& options) {
        auto& p = fleet.device_processes().at(process[d]);
        p.signal(SIGKILL);
        p.wait_exit(10s);
        process[d] = fleet.start_devices(gateway_of[d], "A123", 1, serial[d], {"main=1.0"}, "", options);
    }
    std::string create(const std::vector<std::string>& options) {
        if (!fleet.wait_registered(gateway_of.size(), 30s)) return {};
        std::vector<std::string> args{"campaign", "create", "--all"};
        args.insert(args.end(), options.begin(), options.end());
        auto r = fleet.cli(args);
        EXPECT_EQ(r.exit_code, 0) << r.output;
        EXPECT_NE(r.output.find("waves: "), std::string::npos) << r.output;
        auto id = r.output.substr(0, r.output.find('\n'));
        return validate_id(id, "campaign") ? id : std::string();
    }
    // device -> wave, from `fleetcast targets --json`.
    std::map<std::string, int> waves(const std::string& campaign) {
        std::map<std::string, int> out;
        auto t = fleet.cli_json({"targets", campaign});
        const cJSON* row = nullptr;
        cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(t.get(), "devices")) {
            out[str(row, "device")] = static_cast<int>(cJSON_GetObjectItemCaseSensitive(row, "wave")->valuedouble);
        }
        return out;
    }
    std::vector<std::string> in_wave(const std::string& campaign, int wave) {
        std::vector<std::string> out;
        for (const auto& [d, w] : waves(campaign))
            if (w == wave) out.push_back(d);
        return out;
    }
    Json listed(const std::string& campaign) {
        auto list = fleet.cli_json({"campaign", "list"});
        const cJSON* item = nullptr;
        cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(list.get(), "campaigns")) {
            if (str(item, "campaign") == campaign) return Json(cJSON_Duplicate(item, 1));
        }
        return Json();
    }
    // "1/2" as campaign list shows it.
    std::string wave_text(const std::string& campaign) {
        auto item = listed(campaign);
        return str(cJSON_GetObjectItemCaseSensitive(item.get(), "wave"), "text");
    }
    // device -> (result, state)
    std::map<std::string, std::pair<std::string, std::string>> results(const std::string& campaign) {
        std::map<std::string, std::pair<std::string, std::string>> out;
        auto r = fleet.cli_json({"results", campaign});
        const cJSON* row = nullptr;
        cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(r.get(), "devices")) {
            out[str(row, "device")] = {str(row, "result"), str(row, "state")};
        }
        return out;
    }
    bool all_in(const std::string& campaign, const std::vector<std::string>& devices, const std::string& result) {
        auto r = results(campaign);
        for (const auto& d : devices)
            if (r[d].first != result) return false;
        return true;
    }
    // Offers, commands and repair chunks that reached `devices`.
    std::uint64_t to(const Stats& s, const std::vector<std::string>& devices) {
        std::uint64_t n = 0;
        for (const auto& d : devices)
            n += count(s, *topics::dev_cmd(gateway_of[d], d)) +
                 count(s, *topics::dev_chunk(gateway_of[d], d, image.fw_id));
        return n;
    }
    void make_idle(const std::vector<std::string>& devices) {
        for (const auto& d : devices) {
            auto r = fleet.panel(d, {"--status", "idle"});
            ASSERT_EQ(r.exit_code, 0) << r.output;
        }
    }
};

}  // namespace

TEST(Rollout, NextWaveWaitsForPowerOnReportsNotInstalls) {
    // Every device installs and then never sends its power-on report (its restart is lost).
    WaveFleet f(2, 2, {"--fault-no-power-on", "1"});
    Observer wire(f.fleet.uri(), "wire-observer");
    wire.subscribe("fleetcast/v1/site/#");
    auto campaign =
        f.create({"--waves", "2,100%", "--retries", "5", "--retry-backoff", "1s", "--power-on-timeout", "15s"});
    ASSERT_FALSE(campaign.empty());
    const auto first = f.in_wave(campaign, 1);
    const auto later = f.in_wave(campaign, 2);
    ASSERT_EQ(first.size(), 2u);
    ASSERT_EQ(later.size(), 2u);
    EXPECT_NE(f.gateway_of[first[0]], f.gateway_of[first[1]]) << "wave 1 spreads over both sites";
    EXPECT_EQ(f.wave_text(campaign), "1/2");

    // Installed: the gateways wait for the power-on reports.
    ASSERT_TRUE(eventually(
        [&] {
            auto r = f.results(campaign);
            return r[first[0]].second == "restarting" && r[first[1]].second == "restarting";
        },
        60s))
        << "the first wave's devices did not install";
    EXPECT_EQ(f.to(wire.stats(), later), 0u);
    EXPECT_FALSE(wire.wait_for([&](const Stats& s) { return f.to(s, later) > 0; }, 4s))
        << "a later-wave device was offered the update before the first wave's power-on reports";
    EXPECT_EQ(f.wave_text(campaign), "1/2");

    // Their restarts come back now: after the power-on timeout the gateway offers again, they install and report.
    for (const auto& d : first) f.restart(d, {});
    ASSERT_TRUE(eventually([&] { return f.all_in(campaign, first, "UPDATING COMPLETED"); }, 90s))
        << "the first wave did not complete once its devices reported";
    ASSERT_TRUE(eventually([&] { return f.wave_text(campaign) == "2/2"; }, 10s));
    EXPECT_TRUE(wire.wait_for([&](const Stats& s) { return f.to(s, later) > 0; }, 60s))
        << "the second wave's devices were never offered the update";
}

TEST(Rollout, FailuresOverTheThresholdPauseTheCampaignAndLaterWavesGetNothing) {
    // Busy until the test knows their waves and restarts them with what each must do.
    WaveFleet f(1, 5, {"--profile", "busy=1", "--busy-for", "1h"});
    Observer wire(f.fleet.uri(), "wire-observer");
    wire.subscribe("fleetcast/v1/site/#");
    wire.subscribe(*topics::gw_chunk("gw1", f.image.fw_id));
    auto campaign = f.create({"--waves", "3,100%", "--wave-success", "30%", "--max-failures", "1", "--retries", "0",
                              "--power-on-timeout", "20s"});
    ASSERT_FALSE(campaign.empty());
    const auto first = f.in_wave(campaign, 1);
    const auto later = f.in_wave(campaign, 2);
    ASSERT_EQ(first.size(), 3u);
    ASSERT_EQ(later.size(), 2u);
    // Two of the first wave fail their first boot; the third stays busy; the later ones are idle at once.
    const std::vector<std::string> failing{first[0], first[1]};
    const std::string good = first[2];
    for (const auto& d : failing) f.restart(d, {"--fail-first-boot", "main=2.0"});
    for (const auto& d : later) f.restart(d, {});

    std::string reason;
    ASSERT_TRUE(eventually(
        [&] {
            auto item = f.listed(campaign);
            reason = str(item.get(), "reason");
            return str(item.get(), "status") == "paused";
        },
        90s))
        << "the failures did not pause the campaign";
    EXPECT_NE(reason.find("failure threshold 2 of 2 ended failed"), std::string::npos) << reason;
    for (const auto& d : failing) EXPECT_EQ(f.results(campaign)[d].first, "ERROR") << d;
    EXPECT_EQ(f.wave_text(campaign), "1/2");
    EXPECT_EQ(f.to(wire.stats(), later), 0u) << "a later-wave device got an offer or a chunk";
    // The good first-wave device idle now: only the pause holds it, and nothing goes to the later wave.
    ASSERT_NO_FATAL_FAILURE(f.make_idle({good}));
    const auto paused = wire.stats();
    EXPECT_FALSE(
        wire.wait_for([&](const Stats& s) { return f.to(s, later) > 0 || f.to(s, {good}) > f.to(paused, {good}); }, 5s))
        << "an offer or a chunk went out while the campaign was paused";

    // Resumed: the good device completes (1 of 3: the 30 % share), the second wave opens and completes.
    auto resumed = f.fleet.cli({"campaign", "resume", campaign});
    ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
    ASSERT_TRUE(eventually([&] { return f.all_in(campaign, later, "UPDATING COMPLETED"); }, 120s))
        << "the later wave did not complete after the resume";
    EXPECT_EQ(f.results(campaign)[good].first, "UPDATING COMPLETED");
    EXPECT_EQ(f.wave_text(campaign), "2/2");
    EXPECT_EQ(count(wire.stats(), *topics::gw_chunk("gw1", f.image.fw_id)), f.image.chunk_count)
        << "the image crossed the manager->gateway link more than once";
}

TEST(Rollout, ManagerKilledDuringSoakResumesTheSameWave) {
    WaveFleet f(2, 1, {});
    Observer wire(f.fleet.uri(), "wire-observer");
    wire.subscribe("fleetcast/v1/site/#");
    wire.subscribe("fleetcast/v1/gw/+/fw/+/chunk");
    wire.subscribe("fleetcast/v1/gw/+/schedule/+");
    auto campaign = f.create({"--waves", "1,100%", "--wave-soak", "20s"});
    ASSERT_FALSE(campaign.empty());
    const auto first = f.in_wave(campaign, 1);
    const auto later = f.in_wave(campaign, 2);
    ASSERT_EQ(first.size(), 1u);
    ASSERT_EQ(later.size(), 1u);
    // One device per gateway: the second wave's gateway gets no schedule and no image before its wave opens.
    const auto later_gw = f.gateway_of[later[0]];
    ASSERT_NE(later_gw, f.gateway_of[first[0]]);
    const auto later_gw_chunks = *topics::gw_chunk(later_gw, f.image.fw_id);
    const auto later_gw_schedule = *topics::gw_schedule(later_gw, campaign);
    auto later_reached = [&](const Stats& s) {
        return f.to(s, later) + count(s, later_gw_chunks) + count(s, later_gw_schedule) > 0;
    };

    // The first wave completed: its soak runs.
    std::string soak_ends;
    ASSERT_TRUE(eventually(
        [&] {
            auto item = f.listed(campaign);
            soak_ends = str(cJSON_GetObjectItemCaseSensitive(item.get(), "wave"), "soak_ends_at");
            return !soak_ends.empty();
        },
        60s))
        << "the first wave never met its success share";
    auto ends = parse_time(soak_ends);
    ASSERT_TRUE(ends) << soak_ends;
    EXPECT_EQ(f.results(campaign)[first[0]].first, "UPDATING COMPLETED");
    const auto at_success = wire.stats();

    // kill -9 of the manager a few seconds into the soak, started again at once; meanwhile nothing
    // may reach the second wave (a wait that must time out, not a sleep).
    EXPECT_FALSE(wire.wait_for(later_reached, 3s)) << "the second wave was reached during the soak";
    f.fleet.manager().signal(SIGKILL);
    f.fleet.manager().wait_exit(10s);
    f.fleet.restart_manager();
    ASSERT_TRUE(eventually([&] { return !f.listed(campaign).empty(); }, 30s));
    auto item = f.listed(campaign);
    EXPECT_EQ(str(cJSON_GetObjectItemCaseSensitive(item.get(), "wave"), "text"), "1/2");
    EXPECT_EQ(str(cJSON_GetObjectItemCaseSensitive(item.get(), "wave"), "soak_ends_at"), soak_ends)
        << "the restart moved the soak's end";

    // Nothing reaches the second wave (its devices, its gateway) before the soak ends; it opens after it.
    EXPECT_EQ(count(wire.stats(), later_gw_schedule), 0u) << "the second wave's gateway got a schedule";
    EXPECT_FALSE(wire.wait_for(later_reached, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  *ends - std::chrono::system_clock::now() - 1s)))
        << "the soak was skipped";
    ASSERT_TRUE(wire.wait_for([&](const Stats& s) { return f.to(s, later) > 0; }, 30s))
        << "the second wave never opened";
    const auto first_offer = wire.stats().at(*topics::dev_cmd(f.gateway_of[later[0]], later[0])).first_at;
    EXPECT_GE(first_offer, *ends - 500ms) << "the second wave opened before the soak ended";
    EXPECT_LE(first_offer, *ends + 15s) << "the soak was restarted from zero";
    ASSERT_TRUE(eventually([&] { return f.all_in(campaign, later, "UPDATING COMPLETED"); }, 60s));
    // The finished wave was not run again: nothing more reached its device, its gateway got no chunk again.
    const auto now = wire.stats();
    EXPECT_EQ(f.to(now, first), f.to(at_success, first)) << "the first wave's device was offered the update again";
    const auto gw_first = *topics::gw_chunk(f.gateway_of[first[0]], f.image.fw_id);
    EXPECT_EQ(count(now, gw_first), f.image.chunk_count);
    EXPECT_EQ(count(now, later_gw_chunks), f.image.chunk_count) << "the second wave's gateway got the image once";
}

TEST(Rollout, GatewayGetsTheImageOnceAcrossWaves) {
    WaveFleet f(1, 3, {});
    Observer wire(f.fleet.uri(), "wire-observer");
    wire.subscribe(*topics::gw_chunk("gw1", f.image.fw_id));
    wire.subscribe("fleetcast/v1/site/#");
    auto campaign = f.create({"--waves", "1,2,100%"});
    ASSERT_FALSE(campaign.empty());
    std::vector<std::string> all;
    for (const auto& [d, gw] : f.gateway_of) all.push_back(d);
    ASSERT_TRUE(eventually([&] { return f.all_in(campaign, all, "UPDATING COMPLETED"); }, 120s))
        << "the three waves did not complete";
    EXPECT_EQ(f.wave_text(campaign), "3/3");
    EXPECT_EQ(str(f.listed(campaign).get(), "status"), "ended");
    const auto s = wire.stats();
    EXPECT_EQ(count(s, *topics::gw_chunk("gw1", f.image.fw_id)), f.image.chunk_count)
        << "the manager sent the image to the gateway more than once";
    // Each wave waited for the one before: the third device's first offer came after the second's.
    for (int w = 1; w <= 3; ++w) EXPECT_EQ(f.in_wave(campaign, w).size(), 1u);
    auto first_offer = [&](const std::string& d) { return s.at(*topics::dev_cmd("gw1", d)).first_at; };
    EXPECT_LT(first_offer(f.in_wave(campaign, 1)[0]), first_offer(f.in_wave(campaign, 2)[0]));
    EXPECT_LT(first_offer(f.in_wave(campaign, 2)[0]), first_offer(f.in_wave(campaign, 3)[0]));
}

TEST(Rollout, BadWavesAreRefusedWithExitCode2) {
    WaveFleet f(1, 3, {});
    ASSERT_TRUE(f.fleet.wait_registered(3, 30s));
    for (const std::vector<std::string>& bad :
         {std::vector<std::string>{"--waves", "5,3,100%"},
          {"--waves", "10%,50%"},
          {"--waves", "0,100%"},
          {"--waves", "1,100%", "--wave-success", "0%"},
          {"--wave-soak", "1h"},
          // Known at the manager only (bad_args): a wave below the one before, a last wave short of all.
          {"--waves", "60%,1,100%"},
          {"--waves", "1"}}) {
        std::vector<std::string> args{"campaign", "create", "--all"};
        args.insert(args.end(), bad.begin(), bad.end());
        auto r = f.fleet.cli(args);
        EXPECT_EQ(r.exit_code, 2) << bad[1] << ": " << r.output;
    }
    auto list = f.fleet.cli_json({"campaign", "list"});
    EXPECT_EQ(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(list.get(), "campaigns")), 0);
}

TEST(Rollout, GatewayKilledDuringASoakAdoptsTheNextWaveFromItsRetainedScheduleAndFetchesNothingAgain) {
    WaveFleet f(1, 2, {});
    Observer wire(f.fleet.uri(), "wire-observer");
    wire.subscribe(*topics::gw_chunk("gw1", f.image.fw_id));
    auto campaign = f.create({"--waves", "1,100%", "--wave-soak", "10s"});
    ASSERT_FALSE(campaign.empty());
    const auto first = f.in_wave(campaign, 1);
    const auto later = f.in_wave(campaign, 2);
    ASSERT_EQ(first.size(), 1u);
    ASSERT_EQ(later.size(), 1u);
    ASSERT_TRUE(eventually(
        [&] {
            auto item = f.listed(campaign);
            return !str(cJSON_GetObjectItemCaseSensitive(item.get(), "wave"), "soak_ends_at").empty();
        },
        60s))
        << "the first wave never met its success share";

    // kill -9 of the gateway during the soak: the second wave opens while it is down.
    f.fleet.gateway("gw1").signal(SIGKILL);
    f.fleet.gateway("gw1").wait_exit(10s);
    EXPECT_EQ(f.wave_text(campaign), "1/2") << "the soak ended before the gateway was killed";
    ASSERT_TRUE(eventually([&] { return f.wave_text(campaign) == "2/2"; }, 30s));
    EXPECT_EQ(f.results(campaign)[later[0]].first, "WAITING FOR RE-UPDATING");
    f.fleet.restart_gateway("gw1");
    ASSERT_TRUE(eventually([&] { return f.all_in(campaign, later, "UPDATING COMPLETED"); }, 90s))
        << "the restarted gateway did not run the second wave";
    EXPECT_EQ(f.results(campaign)[first[0]].first, "UPDATING COMPLETED");
    EXPECT_EQ(str(f.listed(campaign).get(), "status"), "ended");
    EXPECT_EQ(count(wire.stats(), *topics::gw_chunk("gw1", f.image.fw_id)), f.image.chunk_count)
        << "the restarted gateway fetched the image again";
}
