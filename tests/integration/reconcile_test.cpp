// Field robustness (R27, issue 13) on a real broker: the manager restores a
// retained schedule another client emptied, re-publishes what it retains after
// the broker lost everything (kill -9, no persistence), and a gateway's digest
// repairs a job state the manager lost.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <thread>

#include "common/messages.hpp"
#include "common/sqlite_db.hpp"
#include "common/topics.hpp"
#include "tests/integration/fleet.hpp"
#include "tests/support/observer.hpp"

using namespace fleetcast;
using namespace fleetcast::testing;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kImageSize = 256 * 1024 + 77;

std::string str(const cJSON* o, const char* key) { return json::get_optional_string(o, key).value_or(""); }

// device -> job state, as `fleetcast results --json` shows it.
std::map<std::string, std::string> states(Fleet& fleet, const std::string& campaign) {
    std::map<std::string, std::string> out;
    auto data = fleet.cli_json({"results", campaign});
    const cJSON* row = nullptr;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(data.get(), "devices")) out[str(row, "device")] =
        str(row, "state");
    return out;
}

bool all_completed(Fleet& fleet, const std::string& campaign, std::size_t n, std::chrono::seconds wait) {
    auto r = fleet.cli({"results", campaign, "--wait-complete", std::to_string(wait.count())}, wait + 20s);
    auto s = states(fleet, campaign);
    std::size_t done = 0;
    for (const auto& [d, st] : s) done += st == "completed";
    if (done != n) ADD_FAILURE() << r.output;
    return done == n;
}

// What a client subscribing now gets as the retained message of `topic`
// (nullopt: none within the wait).
std::optional<std::string> retained_now(const std::string& uri, const std::string& topic, const std::string& name) {
    Observer fresh(uri, name);
    fresh.subscribe(topic);
    if (!fresh.wait_for([&](const auto& s) { return s.count(topic) > 0; }, 3s)) return std::nullopt;
    return fresh.last_payload(topic);
}

bool retained_schedule_eventually(const std::string& uri, const std::string& topic, std::chrono::seconds wait) {
    int n = 0;
    return eventually(
        [&] {
            auto p = retained_now(uri, topic, "late-" + std::to_string(++n));
            return p && !p->empty() && decode_schedule(*p);
        },
        wait);
}

struct Site {
    Fleet fleet;
    ImageFile image;
    explicit Site(int devices) {
        fleet.start_manager();
        fleet.start_gateway("gw1");
        fleet.start_devices("gw1", "A123", devices, 1, {"main=1.0"});
        image = fleet.make_image("A123", "main", "2.0", kImageSize);
        fleet.add_firmware(image);
    }
    ~Site() { fleet.dump_logs_on_failure(); }
};

}  // namespace

TEST(Reconcile, EmptiedRetainedScheduleIsRestoredAndTheCampaignCompletes) {
    Site site(3);
    auto& fleet = site.fleet;
    ASSERT_TRUE(fleet.wait_registered(3, 60s));
    const auto topic = *topics::gw_schedule("gw1", "c-hostile");
    Observer wire(fleet.uri(), "wire");
    wire.subscribe(topic);
    auto created = fleet.cli({"campaign", "create", "--all", "--update-at", "+6s", "--campaign", "c-hostile"});
    ASSERT_EQ(created.exit_code, 0) << created.output;
    ASSERT_TRUE(wire.wait_for([&](const auto& s) { return s.count(topic) && !s.at(topic).last_payload.empty(); }, 10s));

    // A hostile (or confused) client empties the running campaign's schedule.
    Observer hostile(fleet.uri(), "hostile");
    hostile.publish(topic, "", true);
    ASSERT_TRUE(wire.wait_for([&](const auto& s) { return s.at(topic).messages >= 3; }, 10s))
        << "the empty message and the manager's restoration";
    // The manager's part: the schedule is retained on the broker again.
    EXPECT_TRUE(retained_schedule_eventually(fleet.uri(), topic, 10s));
    // End to end (before update_at the gateway re-stores the restored schedule;
    // mid-transfer it relies on the gateway refusing to drop open jobs).
    EXPECT_TRUE(all_completed(fleet, "c-hostile", 3, 120s));
}

TEST(Reconcile, BrokerKilledMidCampaignGetsRetainedManifestsAndSchedulesBackAndTheCampaignCompletes) {
    Site site(2);
    auto& fleet = site.fleet;
    ASSERT_TRUE(fleet.wait_registered(2, 60s));
    const auto schedule = *topics::gw_schedule("gw1", "c-restart");
    const auto manifest = *topics::fw_manifest(site.image.fw_id);
    Observer wire(fleet.uri(), "wire");
    wire.subscribe(schedule);
    // Late enough that the campaign still runs (and its schedule is retained) when the checks below look.
    auto created = fleet.cli({"campaign", "create", "--all", "--update-at", "+20s", "--campaign", "c-restart"});
    ASSERT_EQ(created.exit_code, 0) << created.output;
    ASSERT_TRUE(wire.wait_for([&](const auto& s) { return s.count(schedule) > 0; }, 10s));

    fleet.broker().kill();  // kill -9: dev.conf has no persistence, every retained message is gone
    fleet.broker().restart();
    ASSERT_FALSE(retained_now(fleet.uri(), "fleetcast/v1/none", "probe")) << "the broker kept nothing";
    EXPECT_TRUE(retained_schedule_eventually(fleet.uri(), schedule, 15s)) << "the active campaign's schedule";
    EXPECT_TRUE(eventually([&] { return retained_now(fleet.uri(), manifest, "m-check").has_value(); }, 15s))
        << "and every stored manifest";
    EXPECT_TRUE(eventually(
        [&] {
            auto s = retained_now(fleet.uri(), topics::manager_state(), "s-check");
            auto g = retained_now(fleet.uri(), *topics::gw_state("gw1"), "g-check");
            return s && g && decode_process_state(*s) && decode_process_state(*g) && decode_process_state(*s)->online &&
                   decode_process_state(*g)->online;
        },
        30s))
        << "manager and gateway state";
    EXPECT_TRUE(all_completed(fleet, "c-restart", 2, 180s));
}

TEST(Reconcile, JobStateTheManagerLostIsRepairedByTheGatewaysDigest) {
    Fleet fleet;
    fleet.start_manager();
    fleet.start_gateway("gw1");
    fleet.start_devices("gw1", "A123", 1, 1, {"main=1.0"});
    // The second device answers only after 10 min (R12): its job stays open, the campaign runs on.
    fleet.start_devices("gw1", "A123", 1, 2, {"main=1.0"}, "", {"--deferment", "10m"});
    auto image = fleet.make_image("A123", "main", "2.0", kImageSize);
    fleet.add_firmware(image);
    ASSERT_TRUE(fleet.wait_registered(2, 60s));
    auto created = fleet.cli({"campaign", "create", "--device", "A123-000001", "--device", "A123-000002", "--update-at",
                              "now", "--campaign", "c-lost"});
    ASSERT_EQ(created.exit_code, 0) << created.output;
    ASSERT_TRUE(eventually([&] { return states(fleet, "c-lost")["A123-000001"] == "completed"; }, 90s));
    EXPECT_NE(states(fleet, "c-lost")["A123-000002"], "completed");

    // The manager loses that report: stopped, and its row set back.
    fleet.manager().stop();
    {
        auto db = Database::open(fleet.dir() / "manager" / "manager.db");
        ASSERT_TRUE(db) << db.error().str();
        ASSERT_TRUE(
            (*db)->exec("UPDATE targets SET state = 'transferring', progress = 40, ended_at = NULL"
                        " WHERE campaign = 'c-lost' AND device = 'A123-000001'"));
    }
    fleet.start_manager();
    EXPECT_TRUE(eventually([&] { return states(fleet, "c-lost")["A123-000001"] == "completed"; }, 30s))
        << "the gateway's digest on the manager's return differs; the resync brings the completion back";
    // And it was the digest and a resync that did it (the manager's counters, in its retained state).
    EXPECT_TRUE(eventually(
        [&] {
            auto p = retained_now(fleet.uri(), topics::manager_state(), "counters");
            auto st = p ? decode_process_state(*p) : Expected<ProcessState>(make_error("none", "no state"));
            return st && st->counters.count("resyncs") && st->counters.at("resyncs") >= 1;
        },
        15s));
    fleet.dump_logs_on_failure();
}

// Issue 13 item 7: the manager answers operators on its own connection, so a
// request is answered while a large transfer is still going on.
TEST(Reconcile, OperatorRequestIsAnsweredWhileALargeTransferIsInProgress) {
    Fleet fleet;
    fleet.start_manager();
    fleet.start_gateway("gw1");
    // Slow flash: the fan-out of 16 MiB (256 chunks) to these devices takes several seconds.
    fleet.start_devices("gw1", "A123", 3, 1, {"main=1.0"}, "", {"--flash-write-delay", "20ms"});
    auto image = fleet.make_image("A123", "main", "2.0", 16 * 1024 * 1024);
    fleet.add_firmware(image);
    ASSERT_TRUE(fleet.wait_registered(3, 60s));
    auto created = fleet.cli({"campaign", "create", "--all", "--update-at", "now", "--campaign", "c-big"});
    ASSERT_EQ(created.exit_code, 0) << created.output;
    ASSERT_TRUE(eventually(
        [&] {
            for (const auto& [d, st] : states(fleet, "c-big"))
                if (st == "transferring") return true;
            return false;
        },
        60s));
    // Answered, and while the transfer still runs (some device not completed yet).
    auto s = states(fleet, "c-big");
    ASSERT_EQ(s.size(), 3u);
    std::size_t done = 0;
    for (const auto& [d, st] : s) done += st == "completed";
    EXPECT_LT(done, 3u) << "the answer came after the transfer";
    auto list = fleet.cli({"gateways"});
    EXPECT_EQ(list.exit_code, 0) << list.output;
    EXPECT_TRUE(all_completed(fleet, "c-big", 3, 180s));
    fleet.dump_logs_on_failure();
}

namespace {

// The counters of the process state a fresh subscriber gets on `topic`, if it
// is the program's own (online, named `id`).
std::optional<std::map<std::string, std::uint64_t>> own_counters(const std::string& uri, const std::string& topic,
                                                                 const std::string& id, const std::string& name) {
    auto p = retained_now(uri, topic, name);
    if (!p) return std::nullopt;
    auto s = decode_process_state(*p);
    if (!s || !s->online || s->id != id) return std::nullopt;
    return s->counters;
}

}  // namespace

// A burst of strangers' writes on the manager's and a gateway's retained state:
// each program puts its own state back, once per write. It used to remember
// only its last four payloads: with more restores in flight than that, each
// echo of its own looked foreign and it republished its state thousands of
// times a second, for ever (which also filled the CLI's queue and hung it).
TEST(Reconcile, StrangersWritesOnAProgramsRetainedStateAreUndoneOnceEachNeverInALoop) {
    Site site(2);
    auto& fleet = site.fleet;
    const auto mgr = topics::manager_state();
    const auto gw = *topics::gw_state("gw1");
    Observer watch(fleet.uri(), "state-watch");
    watch.subscribe(mgr);
    watch.subscribe(gw);
    ASSERT_TRUE(watch.wait_for([&](const auto& s) { return s.count(mgr) && s.count(gw); }, 10s));

    constexpr int kBurst = 20;
    Observer stranger(fleet.uri(), "state-writer");
    for (int i = 0; i < kBurst; ++i)
        for (const auto& topic : {mgr, gw})
            stranger.publish(topic,
                             i % 5 == 0 ? std::string()
                                        : R"({"type":"process_state","role":"gateway","id":"stranger-)" +
                                              std::to_string(i) + R"(","status":"offline"})",
                             true);

    // Waits until the program's own retained state counts `counter`; keeps its counters.
    int n = 0;
    std::map<std::string, std::uint64_t> counters;
    auto counts = [&](const std::string& topic, const std::string& id, const char* counter) {
        return eventually(
            [&] {
                auto c = own_counters(fleet.uri(), topic, id, "late-" + std::to_string(++n));
                if (!c || (*c)[counter] == 0) return false;
                counters = *c;
                return true;
            },
            15s);
    };
    ASSERT_TRUE(counts(mgr, "manager", "state_restored"));
    ASSERT_TRUE(counts(gw, "gw1", "state_restored"));

    // Then a counter that moves later shows the restores have stopped: at
    // most one per stranger's write.
    stranger.publish(*topics::manager_request("state-writer", "state-writer"), "not json");
    ASSERT_TRUE(counts(mgr, "manager", "bad_request"));
    EXPECT_LE(counters["state_restored"], static_cast<std::uint64_t>(kBurst));
    stranger.publish(*topics::gw_cmd("gw1"), "not json");
    ASSERT_TRUE(counts(gw, "gw1", "bad_input"));
    EXPECT_LE(counters["state_restored"], static_cast<std::uint64_t>(kBurst));
    // What crossed the broker on each state topic: the burst, one restore
    // each, and the periodic publishes of a few seconds (a loop: thousands).
    auto stats = watch.stats();
    EXPECT_LE(stats[mgr].messages, 100u) << "the manager republished its state in a loop";
    EXPECT_LE(stats[gw].messages, 100u) << "the gateway republished its state in a loop";
}

// The CLI holds a subscription to mgr/state; when more arrives there than its
// queue takes between two polls of `results --wait-complete`, Paho's receive
// thread waits on the queue under Paho's lock. The CLI's next request used to
// be published from its own thread, which then waited for that lock while
// nothing drained the queue: the CLI hung for ever (the CI's demo did).
TEST(Reconcile, CliWaitingOnACampaignDoesNotHangWhenTheManagersStateTopicFloods) {
    Site site(1);
    auto& fleet = site.fleet;
    ASSERT_TRUE(fleet.wait_registered(1, 60s));
    auto created = fleet.cli({"campaign", "create", "--all", "--update-at", "+120s", "--campaign", "c-flood"});
    ASSERT_EQ(created.exit_code, 0) << created.output;
    auto own = retained_now(fleet.uri(), topics::manager_state(), "own-state");
    ASSERT_TRUE(own);

    // The manager's own payload again (not retained): the manager takes it
    // for its echo, the CLI queues every copy.
    std::atomic<bool> stop{false};
    std::atomic<int> sent{0};
    std::thread flood([&] {
        Observer flooder(fleet.uri(), "state-flooder");
        while (!stop) {
            flooder.publish(topics::manager_state(), *own, false);
            ++sent;
        }
    });
    auto r = fleet.cli({"results", "c-flood", "--wait-complete", "4"}, 40s);
    stop = true;
    flood.join();
    EXPECT_GT(sent.load(), 2000) << "the flood must outrun the CLI's queue (1024) between two polls";
    EXPECT_NE(r.exit_code, -1) << "the CLI hung: " << r.output;
    EXPECT_NE(r.output.find("c-flood"), std::string::npos) << r.output;
}
