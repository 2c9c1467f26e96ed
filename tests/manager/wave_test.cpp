// Waves at the manager (issue 16 item 2): the pure member selection and
// decision, and the manager driven by job reports and a manual clock: a
// gateway's schedule lists only the devices of open waves, the next wave
// opens on COMPLETED reports (not installs) and after its soak, a restart
// neither skips nor restarts a soak, a paused campaign opens no wave, a
// cancel ends the targets no gateway was given.
#include <set>

#include "common/operator_views.hpp"
#include "common/operator_waves.hpp"
#include "manager/wave_evaluation.hpp"
#include "manager/wave_members.hpp"
#include "tests/manager/manager_fixture.hpp"

namespace fleetcast::manager::testing {
namespace {

TargetRecord target(const std::string& device, const std::string& gateway, const std::string& model) {
    TargetRecord t;
    t.device = device;
    t.gateway = gateway;
    t.model = model;
    return t;
}

std::vector<TargetRecord> fleet_of(int gateways, int models, int per_group) {
    std::vector<TargetRecord> out;
    int serial = 0;
    for (int g = 1; g <= gateways; ++g)
        for (int m = 1; m <= models; ++m)
            for (int i = 0; i < per_group; ++i) {
                const std::string model = "M" + std::to_string(m);
                out.push_back(target(model + "-" + std::to_string(100000 + ++serial), "gw" + std::to_string(g), model));
            }
    return out;
}

TEST(WaveMembers, TheSameSeedGivesTheSameWavesAndAnotherSeedOthers) {
    const auto targets = fleet_of(3, 2, 10);
    const auto a = wave_order("0123456789abcdef", targets);
    ASSERT_EQ(a.size(), targets.size());
    EXPECT_EQ(std::set<std::string>(a.begin(), a.end()).size(), targets.size()) << "every target once";
    auto shuffled = targets;
    std::reverse(shuffled.begin(), shuffled.end());
    EXPECT_EQ(wave_order("0123456789abcdef", shuffled), a) << "the input order does not matter";
    EXPECT_NE(wave_order("fedcba9876543210", targets), a);
}

TEST(WaveMembers, EachWaveSpreadsOverGatewaysAndModels) {
    const auto targets = fleet_of(3, 2, 10);  // 6 (gateway, model) groups of 10
    std::map<std::string, TargetRecord> by_id;
    for (const auto& t : targets) by_id[t.device] = t;
    const auto order = wave_order("seed", targets);
    const auto members = wave_members(order, {6, 30, 60});
    std::set<std::pair<std::string, std::string>> first;
    std::map<std::uint32_t, std::size_t> sizes;
    for (const auto& [device, wave] : members) {
        ++sizes[wave];
        if (wave == 1) first.insert({by_id[device].gateway, by_id[device].model});
    }
    EXPECT_EQ(first.size(), 6u) << "wave 1 (6 devices) has one of each gateway and model";
    EXPECT_EQ(sizes, (std::map<std::uint32_t, std::size_t>{{1, 6}, {2, 24}, {3, 30}}));
}

TEST(WaveEvaluation, TheShareCountsCompletedTargetsOnly) {
    WaveCounts c{20, 18, 20};
    EXPECT_FALSE(wave_succeeded(100, c));
    EXPECT_TRUE(wave_succeeded(90, c));
    EXPECT_FALSE(wave_succeeded(95, c));
    EXPECT_TRUE(wave_cannot_succeed(95, c)) << "2 of 20 failed: 95 % is out of reach";
    EXPECT_FALSE(wave_cannot_succeed(95, {20, 10, 11})) << "1 failed, 9 still running";
    EXPECT_TRUE(wave_succeeded(95, {20, 19, 19})) << "19 of 20 is 95 %";
}

TEST(WaveEvaluation, NextWaveOpensAfterTheShareAndTheSoak) {
    WavePlan p;
    p.sizes = {{1, false}, {100, true}};
    p.success_percent = 100;
    const TimePoint t0{std::chrono::seconds(1000)};
    const WaveCounts installed{2, 1, 1};  // one still restarting, no power-on report yet
    const WaveCounts done{2, 2, 2};
    EXPECT_EQ(decide_wave(p, 1, 2, installed, std::nullopt, t0).step, WaveStep::Wait);
    EXPECT_EQ(decide_wave(p, 1, 2, done, std::nullopt, t0).step, WaveStep::Open) << "no soak: at once";
    EXPECT_EQ(decide_wave(p, 2, 2, done, std::nullopt, t0).step, WaveStep::Wait) << "the last wave is open";
    p.soak = Millis(60000);
    auto d = decide_wave(p, 1, 2, done, std::nullopt, t0);
    EXPECT_EQ(d.step, WaveStep::SoakStart);
    EXPECT_EQ(d.soak_ends, t0 + std::chrono::seconds(60));
    d = decide_wave(p, 1, 2, done, t0, t0 + std::chrono::seconds(59));
    EXPECT_EQ(d.step, WaveStep::Wait);
    EXPECT_EQ(d.soak_ends, t0 + std::chrono::seconds(60));
    EXPECT_EQ(decide_wave(p, 1, 2, done, t0, t0 + std::chrono::seconds(60)).step, WaveStep::Open);
    EXPECT_EQ(wave_text(2, 4), "2/4");
}

// Six devices, three per gateway; waves of 2 and then all.
class WaveTest : public ManagerTest {
   protected:
    void SetUp() override {
        ManagerTest::SetUp();
        add_firmware("A123", "main", "2.0");
        for (int i = 1; i <= 6; ++i) device_seen(i <= 3 ? "gw1" : "gw2", dev(i), "A123", {{"main", "1.0"}});
        for (const char* gw : {"gw1", "gw2"})
            deliver(*topics::gw_state(gw), encode(ProcessState{"gateway", gw, true, clock.now(), {}}));
    }
    static std::string dev(int i) { return "A123-00000" + std::to_string(i); }
    static std::string gw_of(const std::string& device) { return device <= dev(3) ? "gw1" : "gw2"; }
    std::string create(const std::string& waves) {
        auto r = request("campaign_create", R"({"all":true,"campaign":"c-1","waves":)" + waves + "}");
        EXPECT_TRUE(r.ok) << r.error;
        auto c = campaign_created_from_json(r.data.get());
        EXPECT_TRUE(c) << c.error().str();
        if (c) {
            EXPECT_EQ(c->targets, 6u);
        }
        return r.ok ? "c-1" : "";
    }
    // device -> wave, from the targets view.
    std::map<std::string, std::uint64_t> waves() {
        auto r = request("targets", R"({"campaign":"c-1"})");
        EXPECT_TRUE(r.ok) << r.error;
        auto a = targets_answer_from_json(r.data.get());
        EXPECT_TRUE(a) << a.error().str();
        std::map<std::string, std::uint64_t> out;
        if (a)
            for (const auto& row : a->devices) out[row.device] = row.wave;
        return out;
    }
    std::vector<std::string> in_wave(std::uint64_t wave) {
        std::vector<std::string> out;
        for (const auto& [d, w] : waves())
            if (w == wave) out.push_back(d);
        return out;
    }
    // The devices of the last schedule retained for `gw` (empty: none, or cleared).
    std::set<std::string> scheduled(const std::string& gw) {
        auto sent = transport.on_topic(*topics::gw_schedule(gw, "c-1"));
        if (sent.empty() || sent.back().payload.empty()) return {};
        auto s = decode_schedule(sent.back().payload);
        EXPECT_TRUE(s) << s.error().str();
        std::set<std::string> out;
        if (s)
            for (const auto& t : s->devices) out.insert(t.device);
        return out;
    }
    std::size_t schedules_sent(const std::string& gw) {
        return transport.on_topic(*topics::gw_schedule(gw, "c-1")).size();
    }
    void complete(const std::string& device) {
        job(gw_of(device), "c-1", device, JobState::Completed, 100, {{"main", "2.0"}});
    }
    WaveView listed_wave() {
        auto r = request("campaign_list", R"({"campaign":"c-1"})");
        EXPECT_TRUE(r.ok) << r.error;
        const cJSON* item = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r.data.get(), "campaigns"), 0);
        auto v = wave_view_from_json(cJSON_GetObjectItemCaseSensitive(item, "wave"));
        EXPECT_TRUE(v) << v.error().str();
        return v ? *v : WaveView{};
    }
    std::vector<GwCampaignCmd> commands(const std::string& gw) {
        std::vector<GwCampaignCmd> out;
        for (const auto& p : transport.on_topic(*topics::gw_cmd(gw)))
            if (auto c = decode_gateway_command(p.payload))
                if (auto* cc = std::get_if<GwCampaignCmd>(&*c)) out.push_back(*cc);
        return out;
    }
    void ack(const std::string& gw) {
        auto c = commands(gw).back();
        deliver(*topics::gw_report(gw), encode(CampaignAckReport{"c-1", c.action, c.request_id, 3}));
    }
};

TEST_F(WaveTest, SchedulesListOnlyTheOpenWaveAndTheNextOpensOnPowerOnReportsNotInstalls) {
    create(R"({"sizes":["2","100%"]})");
    const auto first = in_wave(1);
    ASSERT_EQ(first.size(), 2u);
    ASSERT_EQ(in_wave(2).size(), 4u);
    EXPECT_NE(gw_of(first[0]), gw_of(first[1])) << "wave 1 spreads over both gateways";
    for (const char* gw : {"gw1", "gw2"}) {
        std::set<std::string> expected;
        for (const auto& d : first)
            if (gw_of(d) == gw) expected.insert(d);
        EXPECT_EQ(scheduled(gw), expected) << gw << " is sent only its wave-1 devices";
    }
    EXPECT_EQ(listed_wave().text(), "1/2");

    // Installed and restarting: no power-on report with the new version yet.
    for (const auto& d : first) job(gw_of(d), "c-1", d, JobState::Restarting, 100);
    clock.advance(std::chrono::seconds(5));
    mgr->tick();
    EXPECT_EQ(listed_wave().text(), "1/2");
    EXPECT_EQ(scheduled("gw1").size() + scheduled("gw2").size(), 2u);
    // One failed boot (the old version came back): not a success either.
    job(gw_of(first[0]), "c-1", first[0], JobState::Failed, 100, {}, "boot_failed: booted version 1.0");
    complete(first[1]);
    EXPECT_EQ(listed_wave().text(), "1/2") << "1 of 2 completed: below 100 %";
    EXPECT_EQ(scheduled("gw1").size() + scheduled("gw2").size(), 2u);
}

TEST_F(WaveTest, AllOfTheWaveCompletedOpensTheNextWaveAndRepublishesItsGateways) {
    create(R"({"sizes":["2","100%"]})");
    const auto first = in_wave(1);
    complete(first[0]);
    EXPECT_EQ(listed_wave().text(), "1/2");
    complete(first[1]);
    EXPECT_EQ(listed_wave().text(), "2/2");
    EXPECT_EQ(scheduled("gw1"), (std::set<std::string>{dev(1), dev(2), dev(3)}));
    EXPECT_EQ(scheduled("gw2"), (std::set<std::string>{dev(4), dev(5), dev(6)}));
    // The schedule of a gateway whose wave-1 devices all ended stayed retained while it had others to come.
    for (const auto& p : transport.on_topic(*topics::gw_schedule("gw1", "c-1")))
        EXPECT_FALSE(p.payload.empty()) << "gw1's schedule was cleared between the waves";
    auto results = request("results", R"({"campaign":"c-1"})");
    ASSERT_TRUE(results.ok) << results.error;
    auto v = wave_view_from_json(cJSON_GetObjectItemCaseSensitive(results.data.get(), "wave"));
    ASSERT_TRUE(v) << v.error().str();
    ASSERT_EQ(v->tallies.size(), 2u);
    EXPECT_EQ(v->tallies[0], (WaveTallyRow{1, 2, 2, 2}));
    EXPECT_EQ(v->tallies[1], (WaveTallyRow{2, 4, 0, 0}));
}

TEST_F(WaveTest, ASuccessShareBelowAllLetsAFailedTargetThrough) {
    create(R"({"sizes":["2","100%"],"success_percent":50})");
    const auto first = in_wave(1);
    job(gw_of(first[0]), "c-1", first[0], JobState::Failed, 100, {}, "boot_failed: booted version 1.0");
    EXPECT_EQ(listed_wave().text(), "1/2");
    complete(first[1]);
    EXPECT_EQ(listed_wave().text(), "2/2");
}

TEST_F(WaveTest, TheSoakDelaysTheNextWaveAndARestartNeitherSkipsNorRestartsIt) {
    create(R"({"sizes":["2","100%"],"soak_ms":60000})");
    const auto first = in_wave(1);
    const auto met = clock.now();
    for (const auto& d : first) complete(d);
    auto v = listed_wave();
    EXPECT_EQ(v.text(), "1/2");
    ASSERT_TRUE(v.soak_ends_at);
    EXPECT_EQ(std::chrono::floor<Millis>(*v.soak_ends_at), std::chrono::floor<Millis>(met + std::chrono::seconds(60)));
    clock.advance(std::chrono::seconds(30));
    mgr->tick();
    EXPECT_EQ(listed_wave().text(), "1/2");
    const auto sent = schedules_sent("gw1") + schedules_sent("gw2");

    open_manager();  // a restart 30 s into the soak
    clock.advance(std::chrono::seconds(29));
    mgr->tick();
    EXPECT_EQ(listed_wave().text(), "1/2") << "the soak was skipped";
    clock.advance(std::chrono::seconds(2));
    mgr->tick();
    EXPECT_EQ(listed_wave().text(), "2/2") << "the soak was restarted from zero";
    EXPECT_GT(schedules_sent("gw1") + schedules_sent("gw2"), sent);
    EXPECT_EQ(scheduled("gw1").size() + scheduled("gw2").size(), 6u);
}

TEST_F(WaveTest, APausedCampaignOpensNoWaveAndItsResumeDoes) {
    create(R"({"sizes":["2","100%"]})");
    const auto first = in_wave(1);
    ASSERT_TRUE(request("campaign_pause", R"({"campaign":"c-1"})").ok);
    for (const auto& d : first) complete(d);
    clock.advance(std::chrono::seconds(5));
    mgr->tick();
    EXPECT_EQ(listed_wave().text(), "1/2");
    EXPECT_EQ(scheduled("gw1").size() + scheduled("gw2").size(), 2u);
    ASSERT_TRUE(request("campaign_resume", R"({"campaign":"c-1"})").ok);
    clock.advance(std::chrono::seconds(1));
    mgr->tick();
    EXPECT_EQ(listed_wave().text(), "2/2");
    EXPECT_EQ(scheduled("gw1").size() + scheduled("gw2").size(), 6u);
}

TEST_F(WaveTest, ACancelEndsTheTargetsOfUnopenedWavesCanceled) {
    create(R"({"sizes":["2","100%"]})");
    ASSERT_TRUE(request("campaign_cancel", R"({"campaign":"c-1"})").ok);
    auto results = request("results", R"({"campaign":"c-1"})");
    ASSERT_TRUE(results.ok) << results.error;
    auto r = rows(results);
    for (const auto& d : in_wave(2)) {
        ASSERT_TRUE(r.count(d)) << d;
        EXPECT_EQ(field(r[d], "result"), "CANCELED") << d;
    }
    for (const auto& d : in_wave(1)) EXPECT_NE(field(r[d], "result"), "CANCELED") << d << ": its gateway decides";
}

TEST_F(WaveTest, AtTheExpiryTheTargetsOfUnopenedWavesEndExpiredAndTheCampaignEnds) {
    auto r = request("campaign_create",
                     R"({"all":true,"campaign":"c-1","expires_in_ms":60000,"waves":{"sizes":["2","100%"]}})");
    ASSERT_TRUE(r.ok) << r.error;
    const auto first = in_wave(1);
    complete(first[0]);
    clock.advance(std::chrono::seconds(61));
    mgr->tick();
    auto results = request("results", R"({"campaign":"c-1"})");
    auto rows_now = rows(results);
    for (const auto& d : in_wave(2)) EXPECT_EQ(field(rows_now[d], "result"), "EXPIRED") << d;
    EXPECT_EQ(listed_wave().text(), "1/2") << "no wave opens after the expiry";
    // The gateway expires the last open job of wave 1: the campaign ends, every schedule is cleared.
    job(gw_of(first[1]), "c-1", first[1], JobState::Expired, 0, {}, "EXPIRED: not completed");
    auto list = request("campaign_list", R"({"campaign":"c-1"})");
    const cJSON* item = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(list.data.get(), "campaigns"), 0);
    EXPECT_EQ(field(item, "status"), "ended");
    EXPECT_TRUE(scheduled("gw1").empty());
    EXPECT_TRUE(scheduled("gw2").empty());
}

TEST_F(WaveTest, WavesThatDoNotFitTheTargetsAreRefusedWithBadArgs) {
    auto r = request("campaign_create", R"({"all":true,"campaign":"c-1","waves":{"sizes":["2","5"]}})");
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.code, "bad_args");
    EXPECT_NE(r.error.find("reaches 5 of 6 targets"), std::string::npos) << r.error;
    r = request("campaign_create", R"({"all":true,"campaign":"c-1","waves":{"sizes":["50%","2","100%"]}})");
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.code, "bad_args");
    EXPECT_TRUE(transport.on_topic(*topics::gw_schedule("gw1", "c-1")).empty()) << "nothing was stored or published";
}

TEST_F(WaveTest, ReconciliationComparesAndRestoresOnlyTheOpenWave) {
    create(R"({"sizes":["2","100%"]})");
    // A gateway's digest of the jobs it was sent (its wave-1 devices, waiting) matches: no resync.
    for (const char* gw : {"gw1", "gw2"}) {
        std::vector<JobStateRow> rows;
        for (const auto& d : in_wave(1))
            if (gw_of(d) == gw) rows.emplace_back(d, JobState::Waiting);
        const auto jobs = rows.size();
        deliver(*topics::gw_report(gw),
                encode(DigestReport{clock.now(), {CampaignDigest{"c-1", jobs, jobs, job_digest(std::move(rows))}}}));
    }
    EXPECT_EQ(counter("resyncs"), 0u);
    EXPECT_EQ(counter("schedule_republished"), 0u);
    // The retained copy of our own schedule, seen back: no restore.
    for (const char* gw : {"gw1", "gw2"}) {
        auto sent = transport.on_topic(*topics::gw_schedule(gw, "c-1"));
        if (sent.empty()) continue;
        const auto before = sent.size();
        deliver(*topics::gw_schedule(gw, "c-1"), sent.back().payload);
        EXPECT_EQ(transport.on_topic(*topics::gw_schedule(gw, "c-1")).size(), before) << gw;
    }
    EXPECT_EQ(counter("schedule_restored"), 0u);
}

}  // namespace
}  // namespace fleetcast::manager::testing
