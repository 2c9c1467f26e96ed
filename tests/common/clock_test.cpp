#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>

#include "common/clock.hpp"

using namespace fleetcast;

TEST(Clock, FormatsAndParsesUtcWithMillis) {
    auto t = parse_time("2026-11-25T21:30:05.250Z");
    ASSERT_TRUE(t);
    EXPECT_EQ(format_time(*t), "2026-11-25T21:30:05.250Z");
}

TEST(Clock, OffsetsAreConvertedToUtc) {
    auto t = parse_time("2026-11-25T22:30:00+01:00");
    ASSERT_TRUE(t);
    EXPECT_EQ(format_time(*t), "2026-11-25T21:30:00.000Z");
}

TEST(Clock, GarbageTimesAreRejected) {
    for (auto bad : {"", "2026-13-01T00:00Z", "yesterday", "2026-11-25T21:30:00Zjunk", "2026-11-25 21:30"})
        EXPECT_FALSE(parse_time(bad)) << bad;
}

TEST(Clock, TimesOutsideTheClocksRangeAreRejectedNotOverflowed) {
    // Found by fuzz_device_messages: a year the nanosecond clock cannot hold was undefined behaviour.
    for (auto bad :
         {"7046-11-26T06:00:00.000Z", "2263-01-01T00:00:00Z", "2026-11-25T-1:30:00Z", "2026-11-25T21:-5:00Z"})
        EXPECT_FALSE(parse_time(bad)) << bad;
    EXPECT_TRUE(parse_time("2199-12-31T23:59:59.999Z"));
}

TEST(Clock, UtcTimesParseToWhatTimegmSaysOverTheWholeRange) {
    // parse_time computes the civil date itself (issue 20): the same seconds as timegm, leap years and
    // a day past the month's end (rolled over, as timegm does) included.
    for (int y : {1970, 1999, 2000, 2024, 2026, 2100, 2199})
        for (int mo = 1; mo <= 12; ++mo)
            for (int d : {1, 28, 29, 31}) {
                char text[40];
                std::snprintf(text, sizeof text, "%04d-%02d-%02dT13:45:07.125Z", y, mo, d);
                std::tm tm{};
                tm.tm_year = y - 1900;
                tm.tm_mon = mo - 1;
                tm.tm_mday = d;
                tm.tm_hour = 13;
                tm.tm_min = 45;
                tm.tm_sec = 7;
                auto t = parse_time(text);
                ASSERT_TRUE(t) << text;
                EXPECT_EQ(*t, TimePoint(std::chrono::seconds(timegm(&tm))) + std::chrono::milliseconds(125)) << text;
            }
    for (auto bad : {"2026-+1-05T10:00Z", "2026-11-2xT10:00Z", " 2026-11-25T21:30Z"})
        EXPECT_FALSE(parse_time(bad)) << bad;
}

TEST(Clock, DurationsParse) {
    EXPECT_EQ(parse_duration("20m")->count(), 20 * 60 * 1000);
    EXPECT_EQ(parse_duration("1500ms")->count(), 1500);
    EXPECT_EQ(parse_duration("2h")->count(), 2 * 3600 * 1000);
    EXPECT_FALSE(parse_duration("m20"));
    EXPECT_FALSE(parse_duration("5y"));
}

TEST(Clock, ManualClockMovesOnlyWhenTold) {
    ManualClock c(*parse_time("2026-11-25T00:00:00Z"));
    auto a = c.now();
    c.advance(std::chrono::minutes(20));
    EXPECT_EQ(c.now() - a, std::chrono::minutes(20));
}

TEST(Clock, ScaledClockRunsFaster) {
    ScaledClock c(3600.0);
    auto a = c.now();
    auto real_start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - real_start < std::chrono::milliseconds(20)) {
    }
    EXPECT_GE(c.now() - a, std::chrono::seconds(60));
}
