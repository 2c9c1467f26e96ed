// Maintenance windows on a real broker (issue 16 item 5): real manager,
// gateway and device simulators; an independent subscriber records when
// each device got its first offer and when the gateway fetched and received
// image chunks from the manager.
//
// Time: the gateway runs --time-scale 60 with a --time-origin (a minute of
// its clock is a real second), so a window "daily HH:MM-HH:MM" in UTC can
// open a few real seconds after the campaign is created. The test maps what
// the observer saw to the gateway's clock with the same formula
// (ScaledClock). Latency only makes an observed time later, so "nothing
// before the window opened" does not depend on it.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include "common/ids.hpp"
#include "common/maintenance_window.hpp"
#include "common/messages.hpp"
#include "common/topics.hpp"
#include "tests/integration/one_device.hpp"
#include "tests/support/observer.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;

namespace {

constexpr double kScale = 60;

std::string file_text(const std::filesystem::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

std::string hhmm(TimePoint t) { return format_time(t).substr(11, 5); }

struct WindowSite {
    Fleet fleet;
    Observer wire{fleet.uri(), "wire-observer"};
    ImageFile image;
    TimePoint origin = std::chrono::floor<Millis>(std::chrono::system_clock::now());

    WindowSite() {
        wire.keep("fleetcast/v1/site/");
        for (auto f :
             {"fleetcast/v1/site/gw1/dev/+/cmd", "fleetcast/v1/gw/gw1/fw/+/chunk", "fleetcast/v1/gw/gw1/fetch"})
            wire.subscribe(f);
        fleet.start_manager();
        fleet.start_gateway("gw1", "",
                            {"--time-scale", "60", "--time-origin", format_time(origin), "--answer-timeout", "600s",
                             "--defer-period", "2m", "--ready-timeout", "60s", "--ready-max-wait", "600s"});
        fleet.start_devices("gw1", "A123", 2, 1, {"main=1.0"});
        image = fleet.make_image("A123", "main", "2.0", 4 * kDefaultChunkSize);
        fleet.add_firmware(image);
    }
    ~WindowSite() { fleet.dump_logs_on_failure(); }
    // The gateway's clock at a real time.
    TimePoint gateway_time(std::chrono::system_clock::time_point real) const {
        return origin + std::chrono::duration_cast<std::chrono::system_clock::duration>((real - origin) * kScale);
    }
    TimePoint gateway_now() const { return gateway_time(std::chrono::system_clock::now()); }
    // A daily UTC window opening `in` (gateway time, rounded up to a minute) from now, `length` long.
    std::pair<TimePoint, TimePoint> set_window(std::chrono::minutes in, std::chrono::minutes length) {
        const TimePoint open = std::chrono::ceil<std::chrono::minutes>(gateway_now() + in);
        const TimePoint close = open + length;
        auto r = fleet.cli({"gateway", "set-window", "gw1", "daily " + hhmm(open) + "-" + hhmm(close), "--tz", "UTC"});
        EXPECT_EQ(r.exit_code, 0) << r.output;
        return {open, close};
    }
    bool gateway_logged(const std::string& text, std::size_t times = 1) const {
        auto log = file_text(fleet_gateway_log());
        std::size_t n = 0;
        for (auto pos = log.find(text); pos != std::string::npos; pos = log.find(text, pos + 1)) ++n;
        return n >= times;
    }
    std::filesystem::path fleet_gateway_log() const { return const_cast<Fleet&>(fleet).gateway("gw1").log_path(); }
    std::string create() {
        auto r = fleet.cli({"campaign", "create", "--all", "--power-on-timeout", "1h", "--retries", "0"});
        EXPECT_EQ(r.exit_code, 0) << r.output;
        auto id = r.output.substr(0, r.output.find('\n'));
        return validate_id(id, "campaign") ? id : std::string();
    }
    bool completed(const std::string& campaign) {
        auto r = fleet.cli({"results", campaign, "--wait-complete", "120"}, 140s);
        if (r.exit_code != 0) ADD_FAILURE() << r.output;
        return r.exit_code == 0;
    }
    // The observed times (gateway clock) of every offer, fetch and manager chunk.
    struct Seen {
        std::vector<TimePoint> offers, fetches, chunks;
    };
    Seen seen() const {
        Seen s;
        for (const auto& m : wire.kept()) {
            auto parsed = topics::parse_topic(m.topic);
            if (!parsed) continue;
            if (parsed->kind == topics::Kind::DevCmd) {
                auto cmd = decode_device_command(m.payload);
                if (cmd && std::holds_alternative<OfferCmd>(*cmd)) s.offers.push_back(gateway_time(m.at));
            }
        }
        for (const auto& [topic, st] : wire.stats()) {
            auto parsed = topics::parse_topic(topic);
            if (!parsed) continue;
            if (parsed->kind == topics::Kind::GwFetch) s.fetches.push_back(gateway_time(st.first_at));
            if (parsed->kind == topics::Kind::GwChunk) s.chunks.push_back(gateway_time(st.first_at));
        }
        return s;
    }
};

void expect_inside(const std::vector<TimePoint>& times, TimePoint open, TimePoint close, const char* what) {
    for (auto t : times) {
        EXPECT_GE(t, open) << what << " at " << format_time(t) << " before the window opened " << format_time(open);
        EXPECT_LT(t, close) << what << " at " << format_time(t) << " after the window closed " << format_time(close);
    }
}

}  // namespace

TEST(MaintenanceWindow, UpdatesStartOnlyInsideTheGatewaysWindow) {
    WindowSite site;
    ASSERT_TRUE(site.fleet.wait_registered(2, 30s));
    // Opens 15 gateway minutes (15 real seconds) from now, for 40 minutes.
    auto [open, close] = site.set_window(15min, 40min);
    ASSERT_TRUE(eventually([&] { return site.gateway_logged("window_set"); }, 10s)) << "the gateway never got it";
    auto gateways = site.fleet.cli({"gateways"});
    EXPECT_NE(gateways.output.find("daily " + hhmm(open) + "-" + hhmm(close) + " UTC, next"), std::string::npos)
        << gateways.output;

    auto campaign = site.create();
    ASSERT_FALSE(campaign.empty());
    ASSERT_LT(site.gateway_now(), open) << "the campaign came too late to prove anything";
    ASSERT_TRUE(site.completed(campaign));

    auto results = site.fleet.cli({"results", campaign});
    EXPECT_NE(results.output.find("gateway gw1 (2 devices, maintenance window daily " + hhmm(open) + "-"),
              std::string::npos)
        << results.output;

    auto seen = site.seen();
    EXPECT_EQ(seen.offers.size(), 2u);
    EXPECT_FALSE(seen.chunks.empty());
    expect_inside(seen.offers, open, close, "offer");
    expect_inside(seen.fetches, open, close, "fetch");
    expect_inside(seen.chunks, open, close, "manager chunk");
}

TEST(MaintenanceWindow, GatewayRestartKeepsItsWindow) {
    WindowSite site;
    ASSERT_TRUE(site.fleet.wait_registered(2, 30s));
    auto [open, close] = site.set_window(20min, 40min);
    ASSERT_TRUE(eventually([&] { return site.gateway_logged("window_set"); }, 10s));

    site.fleet.gateway("gw1").signal(SIGKILL);
    ASSERT_NE(site.fleet.gateway("gw1").wait_exit(5s), -1);
    // (The retained window stays on the broker: clearing it would reach the
    // gateway's persistent session as a clear. GatewayLimitsTest.* shows the
    // database alone keeps it; here the log shows it was loaded from there
    // before the gateway subscribed.)
    site.fleet.restart_gateway("gw1");
    ASSERT_TRUE(eventually([&] { return site.gateway_logged("window_loaded"); }, 10s))
        << "the restarted gateway did not load its window";

    auto campaign = site.create();
    ASSERT_FALSE(campaign.empty());
    ASSERT_LT(site.gateway_now(), open) << "the campaign came too late to prove anything";
    ASSERT_TRUE(site.completed(campaign));
    auto seen = site.seen();
    EXPECT_EQ(seen.offers.size(), 2u);
    expect_inside(seen.offers, open, close, "offer");
    expect_inside(seen.chunks, open, close, "manager chunk");
}

TEST(MaintenanceWindow, BadWindowMessagesAreLoggedCountedAndChangeNothing) {
    WindowSite site;
    ASSERT_TRUE(site.fleet.wait_registered(2, 30s));
    auto r = site.fleet.cli({"gateway", "set-window", "gw1", "daily 00:00-24:00", "--tz", "UTC"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_TRUE(eventually([&] { return site.gateway_logged("window_set"); }, 10s));
    const auto topic = *topics::gw_window("gw1");
    // Not JSON, a day that does not exist, a zone that does not exist, another gateway's window.
    const auto at = format_time(std::chrono::system_clock::now());
    for (const std::string& bad :
         {std::string("not json"),
          R"({"type":"window","gateway":"gw1","window":"Mon-Fry 22:00-05:00","tz":"UTC","set_at":")" + at + "\"}",
          R"({"type":"window","gateway":"gw1","window":"Mon 22:00-05:00","tz":"Mars/Olympus","set_at":")" + at + "\"}",
          R"({"type":"window","gateway":"gw2","window":"Mon 22:00-05:00","tz":"UTC","set_at":")" + at + "\"}"})
        site.wire.publish(topic, bad, false);
    site.wire.subscribe("fleetcast/v1/gw/gw1/state");
    ASSERT_TRUE(eventually(
        [&] {
            auto state = site.wire.last_payload(*topics::gw_state("gw1"));
            if (!state) return false;
            auto s = decode_process_state(*state);
            return s && s->counters["bad_window"] >= 4;
        },
        20s))
        << "the gateway did not count the bad windows";
    EXPECT_TRUE(site.fleet.gateway("gw1").running());
    EXPECT_FALSE(site.gateway_logged("window_set", 2)) << "a bad window replaced the good one";
    // The window in force (all day) still lets the campaign run.
    auto campaign = site.create();
    ASSERT_FALSE(campaign.empty());
    ASSERT_TRUE(site.completed(campaign));
}

TEST(MaintenanceWindow, TheCliRefusesBadWindowsAndShowsAndClearsTheWindow) {
    Fleet fleet;
    fleet.start_manager();
    fleet.start_gateway("gw1");
    fleet.start_devices("gw1", "A123", 1, 1, {"main=1.0"});
    ASSERT_TRUE(fleet.wait_registered(1, 30s));
    for (const std::vector<std::string>& bad :
         {std::vector<std::string>{"gateway", "set-window", "gw1", "Mon-Fry 22:00-05:00", "--tz", "Europe/Berlin"},
          {"gateway", "set-window", "gw1", "Mon-Fri 22:00-05:00", "--tz", "Europe/Nowhere"},
          {"gateway", "set-window", "gw1", "Mon-Fri 22:00-05:00"},
          {"gateway", "set-window", "gw1", "Mon-Fri 22:00-22:00", "--tz", "UTC"},
          {"gateway", "set-window", "gw/+", "Mon-Fri 22:00-05:00", "--tz", "UTC"},
          {"gateway", "clear-window"}}) {
        auto r = fleet.cli(bad);
        EXPECT_EQ(r.exit_code, 2) << bad[3] << ": " << r.output;
    }
    auto unknown = fleet.cli({"gateway", "set-window", "gw9", "Mon-Fri 22:00-05:00", "--tz", "UTC"});
    EXPECT_NE(unknown.exit_code, 0) << unknown.output;
    EXPECT_NE(unknown.output.find("unknown gateway gw9"), std::string::npos) << unknown.output;

    auto r = fleet.cli({"gateway", "set-window", "gw1", "Mon-Fri 22:00-05:00", "--tz", "Europe/Berlin"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("Mon-Fri 22:00-05:00 Europe/Berlin"), std::string::npos) << r.output;
    auto table = fleet.cli({"gateway", "gw1"});
    EXPECT_NE(table.output.find("maintenance window: Mon-Fri 22:00-05:00 Europe/Berlin"), std::string::npos)
        << table.output;
    auto list = fleet.cli_json({"gateways"});
    const cJSON* gw = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(list.get(), "gateways"), 0);
    const cJSON* window = cJSON_GetObjectItemCaseSensitive(gw, "window");
    EXPECT_EQ(str(window, "window"), "Mon-Fri 22:00-05:00");
    EXPECT_EQ(str(window, "tz"), "Europe/Berlin");
    EXPECT_TRUE(json::get_time(window, "next_open"));

    // Killed manager: the window is in its database and sent again at start.
    fleet.manager().signal(SIGKILL);
    ASSERT_NE(fleet.manager().wait_exit(5s), -1);
    Observer wire(fleet.uri(), "wire-observer");
    wire.publish(*topics::gw_window("gw1"), "", true);
    fleet.restart_manager();
    wire.subscribe(*topics::gw_window("gw1"));
    ASSERT_TRUE(eventually(
        [&] {
            auto p = wire.last_payload(*topics::gw_window("gw1"));
            auto w = p ? decode_window(*p) : Expected<WindowMsg>(make_error("none", ""));
            return w && w->window == "Mon-Fri 22:00-05:00" && w->tz == "Europe/Berlin";
        },
        20s))
        << "the restarted manager did not send the window again";

    r = fleet.cli({"gateway", "clear-window", "gw1"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("no maintenance window"), std::string::npos) << r.output;
    list = fleet.cli_json({"gateways"});
    gw = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(list.get(), "gateways"), 0);
    EXPECT_FALSE(cJSON_GetObjectItemCaseSensitive(gw, "window"));
    fleet.dump_logs_on_failure();
}
