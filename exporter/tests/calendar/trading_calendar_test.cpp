#include "calendar/trading_calendar.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace usdcop {
namespace {

using namespace std::chrono_literals;

SysTime T(const char* iso) { return *ParseTimestamp(iso); }
date::local_days Day(int y, unsigned m, unsigned d) {
  return date::local_days{date::year{y} / date::month{m} / date::day{d}};
}

std::shared_ptr<const TradingCalendar> Make(CalendarConfig c = {}) {
  auto cal = TradingCalendar::Create(c);
  EXPECT_TRUE(cal.ok()) << cal.status().ToString();
  return *cal;
}

// Bogota is UTC-5 all year: 08:00 local = 13:00Z, 12:55 local = 17:55Z.
TEST(TradingCalendar, DefaultSessionHasSixtyBarsFrom0800To1255Local) {
  auto cal = Make();
  auto sessions = cal->SessionsOn(Day(2026, 11, 24));  // a Tuesday
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].first_bar, T("2026-11-24T13:00:00Z"));
  EXPECT_EQ(sessions[0].last_bar, T("2026-11-24T17:55:00Z"));
  EXPECT_EQ(sessions[0].end, T("2026-11-24T18:00:00Z"));
  EXPECT_EQ(cal->Bars(T("2026-11-24T00:00:00Z"), T("2026-11-25T00:00:00Z")).size(), 60u);
}

TEST(TradingCalendar, OpenFromTheFirstBarUntilTheLastBarCloses) {
  auto cal = Make();
  EXPECT_FALSE(cal->IsOpen(T("2026-11-24T12:59:59Z")));
  EXPECT_TRUE(cal->IsOpen(T("2026-11-24T13:00:00Z")));   // first bar opens
  EXPECT_TRUE(cal->IsOpen(T("2026-11-24T17:59:59Z")));   // last bar (17:55) still open
  EXPECT_FALSE(cal->IsOpen(T("2026-11-24T18:00:00Z")));  // last bar closed
  EXPECT_FALSE(cal->IsOpen(T("2026-11-28T15:00:00Z")));  // Saturday
}

TEST(TradingCalendar, HolidayMondayAndWeekendsAreClosed) {
  auto cal = Make();
  EXPECT_FALSE(
      cal->IsTradingDay(Day(2026, 11, 16)));          // Independencia de Cartagena, moved to Monday
  EXPECT_TRUE(cal->IsTradingDay(Day(2026, 11, 11)));  // the Wednesday it was moved from
  EXPECT_FALSE(cal->IsOpen(T("2026-11-16T15:00:00Z")));
  EXPECT_FALSE(cal->IsTradingDay(Day(2026, 11, 22)));  // Sunday
  EXPECT_TRUE(cal->IsHoliday(Day(2026, 11, 16)));
  EXPECT_FALSE(cal->IsHoliday(Day(2026, 11, 22)));
}

TEST(TradingCalendar, AWeekAcrossAHolidayAndAWeekend) {
  auto cal = Make();
  // Thu 2026-11-12 .. Thu 2026-11-19 (exclusive): Thu, Fri, [Sat, Sun, holiday Mon], Tue, Wed.
  auto bars = cal->Bars(T("2026-11-12T05:00:00Z"), T("2026-11-19T05:00:00Z"));
  EXPECT_EQ(bars.size(), 4u * 60);
  EXPECT_EQ(bars.front(), T("2026-11-12T13:00:00Z"));
  EXPECT_EQ(bars.back(), T("2026-11-18T17:55:00Z"));
}

TEST(TradingCalendar, BarsInAPartialRangeAreHalfOpen) {
  auto cal = Make();
  auto bars = cal->Bars(T("2026-11-24T13:00:00Z"), T("2026-11-24T13:15:00Z"));
  EXPECT_THAT(bars, ::testing::ElementsAre(T("2026-11-24T13:00:00Z"), T("2026-11-24T13:05:00Z"),
                                           T("2026-11-24T13:10:00Z")));
  EXPECT_TRUE(cal->Bars(T("2026-11-24T13:15:00Z"), T("2026-11-24T13:15:00Z")).empty());
}

TEST(TradingCalendar, CurrentOrLastSessionAcrossAYearBoundary) {
  auto cal = Make();
  // Friday 2027-01-01 is New Year; Thursday 2026-12-31 is the last session before it.
  auto s = cal->CurrentOrLastSession(T("2027-01-02T15:00:00Z"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->first_bar, T("2026-12-31T13:00:00Z"));
  // During a session: that session.
  auto now = cal->CurrentOrLastSession(T("2026-11-24T15:00:00Z"));
  ASSERT_TRUE(now);
  EXPECT_EQ(now->first_bar, T("2026-11-24T13:00:00Z"));
  // Before the day's session: the previous trading day's.
  auto early = cal->CurrentOrLastSession(T("2026-11-24T12:00:00Z"));
  ASSERT_TRUE(early);
  EXPECT_EQ(early->first_bar, T("2026-11-23T13:00:00Z"));
  // The bars of the turn of the year: the last of 2026, none on 2027-01-01.
  auto bars = cal->Bars(T("2026-12-31T17:50:00Z"), T("2027-01-04T13:05:00Z"));
  EXPECT_THAT(bars, ::testing::ElementsAre(T("2026-12-31T17:50:00Z"), T("2026-12-31T17:55:00Z"),
                                           T("2027-01-04T13:00:00Z")));
}

TEST(TradingCalendar, ExtraDaysAndOptionalUsHolidays) {
  CalendarConfig c;
  c.extra_closed_days = {"2026-12-24"};
  c.extra_open_days = {"2026-11-16", "2026-11-28"};  // a holiday Monday and a Saturday
  c.united_states_holidays = true;
  auto cal = Make(c);
  EXPECT_FALSE(cal->IsTradingDay(Day(2026, 12, 24)));
  EXPECT_TRUE(cal->IsTradingDay(Day(2026, 11, 16)));
  EXPECT_TRUE(cal->IsTradingDay(Day(2026, 11, 28)));
  EXPECT_EQ(cal->SessionsOn(Day(2026, 11, 28)).size(), 1u);  // the first session's hours
  EXPECT_FALSE(cal->IsTradingDay(Day(2026, 11, 26)));        // Thanksgiving
}

TEST(TradingCalendar, PremiumSessionsAndAnUnknownZone) {
  CalendarConfig c;
  c.sessions = {CalendarConfig::Session{{1, 2, 3, 4, 5}, 8h, 13h + 55min}};
  EXPECT_EQ(Make(c)->Bars(T("2026-11-24T00:00:00Z"), T("2026-11-25T00:00:00Z")).size(), 72u);
  c.timezone = "America/Atlantis";
  auto bad = TradingCalendar::Create(c);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(),
              ::testing::HasSubstr("unknown time zone \"America/Atlantis\""));
}

}  // namespace
}  // namespace usdcop
