// A campaign's waves (common/wave_plan.hpp) and their place in
// campaign_create's args and answer.
#include "common/wave_plan.hpp"

#include <gtest/gtest.h>

#include "common/operator_campaign_create.hpp"
#include "common/operator_waves.hpp"

namespace fleetcast {
namespace {

std::vector<std::uint64_t> counts(const char* sizes, std::uint64_t targets) {
    auto s = parse_wave_sizes(sizes);
    EXPECT_TRUE(s) << sizes << ": " << s.error().str();
    if (!s) return {};
    auto c = wave_counts(*s, targets);
    EXPECT_TRUE(c) << sizes << " of " << targets << ": " << c.error().str();
    return c ? *c : std::vector<std::uint64_t>{};
}

TEST(WavePlanArgs, CountsAndSharesAreCumulativeAndShareRoundsUp) {
    EXPECT_EQ(counts("5,10%,50%,100%", 200), (std::vector<std::uint64_t>{5, 20, 100, 200}));
    EXPECT_EQ(counts("1,100%", 4), (std::vector<std::uint64_t>{1, 4}));
    EXPECT_EQ(counts("10%,100%", 30), (std::vector<std::uint64_t>{3, 30})) << "10% of 30 is 3, not 4";
    EXPECT_EQ(counts("1%,100%", 50), (std::vector<std::uint64_t>{1, 50})) << "a share rounds up: never 0";
    EXPECT_EQ(counts("2,6", 6), (std::vector<std::uint64_t>{2, 6})) << "the last as the number of targets";
    EXPECT_EQ(counts("2,100", 6), (std::vector<std::uint64_t>{2, 6})) << "a count above the targets is all";
}

TEST(WavePlanArgs, WavesThatAddNobodyAreLeftOut) {
    EXPECT_EQ(counts("1,10%,50%,100%", 4), (std::vector<std::uint64_t>{1, 2, 4})) << "10% of 4 is the 1 already in";
    EXPECT_EQ(counts("5,10%,100%", 3), (std::vector<std::uint64_t>{3})) << "5 is all 3: the later waves add nobody";
}

TEST(WavePlanArgs, BadSizesAreRefusedWithBadArgs) {
    for (const char* bad : {"", "0,100%", "5,3,100%", "10%,5%,100%", "50%", "5,90%", "101%", "-1,100%", "abc",
                            "5,,100%", "5 ,100%", "0%,100%", "nan%", "1e3%", ",100%", "100%,"}) {
        auto s = parse_wave_sizes(bad);
        ASSERT_FALSE(s) << bad;
        EXPECT_EQ(s.error().code, "bad_args") << bad;
    }
    // Known only with the targets: a count wave below the share before it, a last count short of every target.
    auto s = parse_wave_sizes("50%,10,100%");
    ASSERT_TRUE(s);
    auto c = wave_counts(*s, 40);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().code, "bad_args");
    EXPECT_NE(c.error().message.find("smaller than the wave before"), std::string::npos) << c.error().message;
    s = parse_wave_sizes("2,5");
    ASSERT_TRUE(s);
    c = wave_counts(*s, 8);
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("reaches 5 of 8 targets"), std::string::npos) << c.error().message;
}

TEST(WavePlanArgs, SuccessShareIsParsedAndBadValuesRefused) {
    EXPECT_EQ(*parse_wave_success("95%"), 95.0);
    EXPECT_EQ(*parse_wave_success("100%"), 100.0);
    EXPECT_EQ(*parse_wave_success("99.5%"), 99.5);
    for (const char* bad : {"0%", "101%", "95", "%", "", "-5%", "abc%", "9 5%"})
        EXPECT_FALSE(parse_wave_success(bad)) << bad;
}

TEST(WavePlanArgs, CampaignCreateArgsAndAnswerCarryTheWaves) {
    CampaignCreateArgs a;
    a.all = true;
    WavePlan p;
    auto sizes = parse_wave_sizes("5,0.5%,10%,100%");
    ASSERT_TRUE(sizes) << sizes.error().str();
    p.sizes = *sizes;
    p.success_percent = 95;
    p.soak = Millis(7200000);
    a.waves = p;
    auto j = Json::object();
    to_json(j.get(), a);
    auto back = campaign_create_args_from_json(j.get());
    ASSERT_TRUE(back) << back.error().str();
    ASSERT_TRUE(back->waves);
    EXPECT_EQ(*back->waves, p);
    EXPECT_EQ(back->waves->sizes_text(), "5,0.5%,10%,100%");

    CampaignCreated c;
    c.campaign = "c-1";
    c.targets = 200;
    c.waves = p;
    c.wave_counts = {5, 20, 200};
    auto answer = Json::object();
    to_json(answer.get(), c);
    auto decoded = campaign_created_from_json(answer.get());
    ASSERT_TRUE(decoded) << decoded.error().str();
    ASSERT_TRUE(decoded->waves);
    EXPECT_EQ(*decoded->waves, p);
    EXPECT_EQ(decoded->wave_counts, c.wave_counts);
}

TEST(WavePlanArgs, StrictDecoderRefusesBadWaveObjects) {
    for (const char* bad :
         {R"({"all":true,"waves":{"sizes":[]}})", R"({"all":true,"waves":{"sizes":[5,"100%"]}})",
          R"({"all":true,"waves":{"sizes":["100%"],"success_percent":0}})",
          R"({"all":true,"waves":{"sizes":["100%"],"success_percent":101}})",
          R"({"all":true,"waves":{"sizes":["100%"],"soak_ms":-1}})", R"({"all":true,"waves":"5,100%"})",
          R"({"all":true,"waves":{"sizes":["20%","10%","100%"]}})"}) {
        auto j = Json::parse(bad);
        ASSERT_TRUE(j) << bad;
        auto a = campaign_create_args_from_json(j->get());
        EXPECT_FALSE(a) << bad;
    }
}

}  // namespace
}  // namespace fleetcast

namespace fleetcast {
namespace {

TEST(WaveViewAnswer, TheOpenWavePlanSoakAndTalliesTravelAndBadOnesAreRefused) {
    WaveView v;
    v.open = 2;
    v.total = 3;
    v.plan.sizes = {{5, false}, {50, true}, {100, true}};
    v.plan.success_percent = 95;
    v.plan.soak = Millis(60000);
    v.counts = {5, 100, 200};
    v.success_met_at = TimePoint(std::chrono::seconds(1795642200));
    v.soak_ends_at = *v.success_met_at + std::chrono::seconds(60);
    v.tallies = {{1, 5, 5, 5}, {2, 95, 90, 91}, {3, 100, 0, 0}};
    auto j = Json::object();
    to_json(j.get(), v);
    EXPECT_EQ(json::get_optional_string(j.get(), "text").value_or(""), "2/3");
    auto back = wave_view_from_json(j.get());
    ASSERT_TRUE(back) << back.error().str();
    EXPECT_EQ(back->text(), "2/3");
    EXPECT_EQ(back->plan, v.plan);
    EXPECT_EQ(back->counts, v.counts);
    EXPECT_EQ(back->soak_ends_at, v.soak_ends_at);
    EXPECT_EQ(back->tallies, v.tallies);
    for (const char* bad : {R"({"open":0,"total":2,"plan":{"sizes":["1","100%"]},"counts":[1,2]})",
                            R"({"open":3,"total":2,"plan":{"sizes":["1","100%"]},"counts":[1,2]})",
                            R"({"open":1,"total":2,"plan":{"sizes":["1","100%"]},"counts":[1]})",
                            R"({"open":1,"total":2,"counts":[1,2]})"}) {
        auto p = Json::parse(bad);
        ASSERT_TRUE(p) << bad;
        EXPECT_FALSE(wave_view_from_json(p->get())) << bad;
    }
}

}  // namespace
}  // namespace fleetcast
