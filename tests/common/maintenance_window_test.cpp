// Maintenance windows (common/maintenance_window.hpp): parsing, and when the
// window is open, with the system tz database (Europe/Berlin: CET/CEST).
#include "common/maintenance_window.hpp"

#include <gtest/gtest.h>

#include "common/messages.hpp"
#include "common/operator_windows.hpp"

namespace fleetcast {
namespace {

using namespace std::chrono_literals;

TimePoint utc(const char* iso) {
    auto t = parse_time(iso);
    EXPECT_TRUE(t) << iso;
    return t ? *t : TimePoint{};
}

MaintenanceWindow window(const char* spec, const char* tz = "Europe/Berlin") {
    auto w = parse_window(spec, tz);
    EXPECT_TRUE(w) << spec << ": " << (w ? "" : w.error().str());
    return w ? *w : MaintenanceWindow{};
}

TEST(MaintenanceWindowParse, DaysRangesListsAndTimesAreRead) {
    auto w = window("Mon-Fri 22:00-05:00");
    EXPECT_EQ(w.days, (std::array<bool, 7>{true, true, true, true, true, false, false}));
    EXPECT_EQ(w.start_minute, 22 * 60);
    EXPECT_EQ(w.end_minute, 5 * 60);
    EXPECT_EQ(window("Sat,Sun 00:00-24:00").days, (std::array<bool, 7>{false, false, false, false, false, true, true}));
    EXPECT_EQ(window("fri-mon 01:30-02:00").days, (std::array<bool, 7>{true, false, false, false, true, true, true}));
    EXPECT_EQ(window("daily 12:00-13:00", "UTC").days, (std::array<bool, 7>{true, true, true, true, true, true, true}));
}

TEST(MaintenanceWindowParse, BadWindowsAndZonesAreRefused) {
    for (const char* bad : {"", "Mon-Fri", "Mon-Fri 22:00", "Mon-Fri 22:00-22:00", "Mon-Fry 22:00-05:00",
                            "Mon-Fri 25:00-05:00", "Mon-Fri 22:60-05:00", "Mon-Fri 24:00-05:00", "Mon-Fri 2200-0500",
                            "Mon-Fri  22:00-05:00", "Mon,,Fri 22:00-05:00", "Mon-Fri 22:00-05:00 extra"}) {
        auto w = parse_window(bad, "Europe/Berlin");
        ASSERT_FALSE(w) << bad;
        EXPECT_EQ(w.error().code, "bad_args") << bad;
    }
    EXPECT_FALSE(parse_window("Mon 01:00-02:00", "Mars/Olympus"));
    EXPECT_FALSE(parse_window("Mon 01:00-02:00", ""));
    EXPECT_FALSE(parse_window("Mon 01:00-02:00", "+01:00")) << "offsets are not zones";
}

TEST(MaintenanceWindowTimes, AWindowAcrossMidnightIsOpenUntilTheNextMorning) {
    auto w = window("Mon-Fri 22:00-05:00");
    // 2026-12-07 is a Monday; Berlin is UTC+1 in winter.
    EXPECT_FALSE(window_open(w, utc("2026-12-07T20:59:59Z")));
    EXPECT_TRUE(window_open(w, utc("2026-12-07T21:00:00Z")));   // Mon 22:00 local
    EXPECT_TRUE(window_open(w, utc("2026-12-08T03:59:59Z")));   // Tue 04:59:59
    EXPECT_FALSE(window_open(w, utc("2026-12-08T04:00:00Z")));  // Tue 05:00
    // Friday's window ends on Saturday morning; Saturday evening has none.
    EXPECT_TRUE(window_open(w, utc("2026-12-12T03:00:00Z")));
    EXPECT_FALSE(window_open(w, utc("2026-12-12T21:30:00Z")));
    // Monday morning 03:00 belongs to Sunday's window, and Sunday has none.
    EXPECT_FALSE(window_open(w, utc("2026-12-07T02:00:00Z")));
}

TEST(MaintenanceWindowTimes, TheNextOpeningSkipsTheDaysNotListed) {
    auto w = window("Sat,Sun 10:00-12:00");
    // Wednesday 2026-12-09: next is Saturday 10:00 local = 09:00Z.
    auto span = window_span(w, utc("2026-12-09T12:00:00Z"));
    EXPECT_EQ(span.open, utc("2026-12-12T09:00:00Z"));
    EXPECT_EQ(span.close, utc("2026-12-12T11:00:00Z"));
    EXPECT_EQ(next_open_time(w, utc("2026-12-09T12:00:00Z")), utc("2026-12-12T09:00:00Z"));
    // Inside: the time itself.
    EXPECT_EQ(next_open_time(w, utc("2026-12-13T10:30:00Z")), utc("2026-12-13T10:30:00Z"));
    // Sunday after the window: next Saturday.
    EXPECT_EQ(next_open_time(w, utc("2026-12-13T11:00:00Z")), utc("2026-12-19T09:00:00Z"));
}

TEST(MaintenanceWindowTimes, SummerTimeComesFromTheZoneRules) {
    auto w = window("daily 22:00-05:00");
    // Summer (CEST, UTC+2): opens 20:00Z.
    EXPECT_EQ(window_span(w, utc("2026-07-01T12:00:00Z")).open, utc("2026-07-01T20:00:00Z"));
    // Night of 2026-03-28/29: clocks jump 02:00 -> 03:00. Opens 22:00 CET
    // (21:00Z), closes 05:00 CEST (03:00Z): 6 hours, not 7.
    auto spring = window_span(w, utc("2026-03-28T12:00:00Z"));
    EXPECT_EQ(spring.open, utc("2026-03-28T21:00:00Z"));
    EXPECT_EQ(spring.close, utc("2026-03-29T03:00:00Z"));
    // Night of 2026-10-24/25: 03:00 -> 02:00. Opens 22:00 CEST (20:00Z),
    // closes 05:00 CET (04:00Z): 8 hours.
    auto autumn = window_span(w, utc("2026-10-24T12:00:00Z"));
    EXPECT_EQ(autumn.open, utc("2026-10-24T20:00:00Z"));
    EXPECT_EQ(autumn.close, utc("2026-10-25T04:00:00Z"));
}

TEST(MaintenanceWindowTimes, LocalTimesTheClocksSkipOrRepeatHaveOneMeaning) {
    // 02:30 does not exist on 2026-03-29 in Berlin: the window opens when the clocks jump (01:00Z).
    auto skipped = window("Sun 02:30-04:00");
    auto s = window_span(skipped, utc("2026-03-28T12:00:00Z"));
    EXPECT_EQ(s.open, utc("2026-03-29T01:00:00Z"));
    EXPECT_EQ(s.close, utc("2026-03-29T02:00:00Z"));
    // A window entirely inside the skipped hour does not open that day.
    auto gone = window("Sun 02:10-02:50");
    EXPECT_EQ(window_span(gone, utc("2026-03-28T12:00:00Z")).open, utc("2026-04-05T00:10:00Z"));
    // 02:30 happens twice on 2026-10-25: the first (CEST, 00:30Z) is meant.
    auto twice = window("Sun 02:30-03:30");
    EXPECT_EQ(window_span(twice, utc("2026-10-24T12:00:00Z")).open, utc("2026-10-25T00:30:00Z"));
}

TEST(MaintenanceWindowMessage, RoundTripsAndRefusesWhatTheGatewayCouldNotEvaluate) {
    WindowMsg m{"gw1", "Mon-Fri 22:00-05:00", "Europe/Berlin", utc("2026-12-07T12:00:00Z")};
    auto back = decode_window(encode(m));
    ASSERT_TRUE(back) << back.error().str();
    EXPECT_EQ(*back, m);
    for (
        const char* bad :
        {"{}", "not json",
         R"({"type":"window","gateway":"gw1","window":"Mon 25:00-26:00","tz":"UTC","set_at":"2026-12-07T12:00:00.000Z"})",
         R"({"type":"window","gateway":"gw1","window":"Mon 01:00-02:00","tz":"Nowhere/Land","set_at":"2026-12-07T12:00:00.000Z"})",
         R"({"type":"window","gateway":"gw/+","window":"Mon 01:00-02:00","tz":"UTC","set_at":"2026-12-07T12:00:00.000Z"})",
         R"({"type":"window","gateway":"gw1","window":"Mon 01:00-02:00","tz":"UTC"})"})
        EXPECT_FALSE(decode_window(bad)) << bad;
}

TEST(MaintenanceWindowMessage, TheViewShowsTheOpeningInForceOrTheNextOne) {
    WindowMsg m{"gw1", "Mon-Fri 22:00-05:00", "Europe/Berlin", utc("2026-12-07T12:00:00Z")};
    auto closed = window_view("gw1", m, utc("2026-12-07T12:00:00Z"));
    EXPECT_FALSE(closed.open_now);
    EXPECT_EQ(closed.next_open, utc("2026-12-07T21:00:00Z"));
    EXPECT_EQ(closed.next_close, utc("2026-12-08T04:00:00Z"));
    auto open = window_view("gw1", m, utc("2026-12-07T22:00:00Z"));
    EXPECT_TRUE(open.open_now);
    auto none = window_view("gw1", std::nullopt, utc("2026-12-07T22:00:00Z"));
    EXPECT_TRUE(none.window.empty());
    EXPECT_TRUE(none.open_now);
    auto j = Json::object();
    to_json(j.get(), closed);
    auto back = gateway_window_view_from_json(j.get());
    ASSERT_TRUE(back) << back.error().str();
    EXPECT_EQ(back->next_open, closed.next_open);
}

}  // namespace
}  // namespace fleetcast
