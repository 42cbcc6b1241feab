// config/calendar_section.cpp: the calendar section.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/config.h"
#include "support/config_file.h"

namespace usdcop {
namespace {

using ::testing::HasSubstr;

class CalendarSectionTest : public ConfigFileTest {};

TEST_F(CalendarSectionTest, CalendarDefaultsAreTheUsdCopMarket) {
  ConfigLoad load = Load("");
  ASSERT_TRUE(load.config);
  const CalendarConfig& c = load.config->calendar;
  EXPECT_EQ(c.timezone, "America/Bogota");
  EXPECT_EQ(c.bar_interval, std::chrono::minutes(5));
  ASSERT_EQ(c.sessions.size(), 1u);
  EXPECT_EQ(c.sessions[0].open, std::chrono::minutes(8 * 60));
  EXPECT_EQ(c.sessions[0].close, std::chrono::minutes(12 * 60 + 55));
  EXPECT_TRUE(c.colombia_holidays);
  EXPECT_FALSE(c.united_states_holidays);
}

TEST_F(CalendarSectionTest, CalendarSectionIsParsedAndChecked) {
  ConfigLoad ok = Load(R"(calendar:
  timezone: America/Bogota
  sessions: [{days: [mon, tue, wed, thu, fri], open: "08:00", close: "14:00"}]
  bar_interval: 5m
  holidays: [colombia, united_states]
  extra_closed_days: [2026-12-24]
)");
  ASSERT_TRUE(ok.config) << ::testing::PrintToString(ok.errors);
  EXPECT_TRUE(ok.config->calendar.united_states_holidays);
  EXPECT_EQ(ok.config->calendar.extra_closed_days, std::vector<std::string>{"2026-12-24"});

  ConfigLoad bad = Load(R"(calendar:
  timezone: Mars/Olympus
  sessions: [{days: [mon, funday], open: "8am", close: "12:55"}, {days: [sat], open: "09:00", close: "09:07"}]
  holidays: [atlantis]
  extra_open_days: [tomorrow]
)");
  std::string all;
  for (const std::string& e : bad.errors) all += e + "\n";
  EXPECT_THAT(all,
              HasSubstr("config.yml:2:13: calendar.timezone: \"Mars/Olympus\" is not a time zone"));
  EXPECT_THAT(all, HasSubstr("calendar.sessions[0].days[1]: \"funday\" is not a weekday"));
  EXPECT_THAT(all, HasSubstr("calendar.sessions[0].open: \"8am\" is not a local time HH:MM"));
  EXPECT_THAT(all, HasSubstr("calendar.sessions[1].close: open and close must be a whole number of "
                             "bar intervals (5m) apart"));
  EXPECT_THAT(all,
              HasSubstr("calendar.holidays[0]: \"atlantis\" is not colombia or united_states"));
  EXPECT_THAT(all, HasSubstr("calendar.extra_open_days[0]: \"tomorrow\" is not a date YYYY-MM-DD"));
  EXPECT_EQ(bad.errors.size(), 6u) << all;
}

}  // namespace
}  // namespace usdcop
