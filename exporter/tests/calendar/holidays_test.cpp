#include "calendar/holidays.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace usdcop {
namespace {

std::vector<std::string> Days(const std::vector<Holiday>& holidays) {
  std::vector<std::string> out;
  for (const Holiday& h : holidays) out.push_back(date::format("%F", date::sys_days{h.day}));
  return out;
}

TEST(EasterSunday, KnownYears) {
  EXPECT_EQ(EasterSunday(2024), date::year{2024} / 3 / 31);
  EXPECT_EQ(EasterSunday(2025), date::year{2025} / 4 / 20);
  EXPECT_EQ(EasterSunday(2026), date::year{2026} / 4 / 5);
  EXPECT_EQ(EasterSunday(2038), date::year{2038} / 4 / 25);  // the latest possible
  EXPECT_EQ(EasterSunday(2285), date::year{2285} / 3 / 22);  // the earliest possible
}

// The official lists of Colombia's public holidays (Ley 51 de 1983), every date.
TEST(ColombianHolidays, Official2024) {
  EXPECT_THAT(
      Days(ColombianHolidays(2024)),
      ::testing::ElementsAre("2024-01-01", "2024-01-08", "2024-03-25", "2024-03-28", "2024-03-29",
                             "2024-05-01", "2024-05-13", "2024-06-03", "2024-06-10", "2024-07-01",
                             "2024-07-20", "2024-08-07", "2024-08-19", "2024-10-14", "2024-11-04",
                             "2024-11-11", "2024-12-08", "2024-12-25"));
}

TEST(ColombianHolidays, Official2025WithTwoHolidaysOnJune30) {
  EXPECT_THAT(
      Days(ColombianHolidays(2025)),
      ::testing::ElementsAre("2025-01-01", "2025-01-06", "2025-03-24", "2025-04-17", "2025-04-18",
                             "2025-05-01", "2025-06-02", "2025-06-23", "2025-06-30", "2025-06-30",
                             "2025-07-20", "2025-08-07", "2025-08-18", "2025-10-13", "2025-11-03",
                             "2025-11-17", "2025-12-08", "2025-12-25"));
}

TEST(ColombianHolidays, Official2026) {
  EXPECT_THAT(
      Days(ColombianHolidays(2026)),
      ::testing::ElementsAre("2026-01-01", "2026-01-12", "2026-03-23", "2026-04-02", "2026-04-03",
                             "2026-05-01", "2026-05-18", "2026-06-08", "2026-06-15", "2026-06-29",
                             "2026-07-20", "2026-08-07", "2026-08-17", "2026-10-12", "2026-11-02",
                             "2026-11-16", "2026-12-08", "2026-12-25"));
}

TEST(ColombianHolidays, EmilianiHolidaysAlwaysFallOnMonday) {
  for (int year = 1990; year <= 2100; ++year) {
    for (const Holiday& h : ColombianHolidays(year)) {
      bool fixed = h.name == "Año Nuevo" || h.name == "Jueves Santo" || h.name == "Viernes Santo" ||
                   h.name == "Día del Trabajo" || h.name == "Día de la Independencia" ||
                   h.name == "Batalla de Boyacá" || h.name == "Inmaculada Concepción" ||
                   h.name == "Navidad";
      if (!fixed) {
        EXPECT_EQ(date::weekday{date::sys_days{h.day}}, date::Monday) << h.name << " " << year;
      }
    }
  }
}

TEST(UnitedStatesHolidays, Observed2026) {
  // 2026-07-04 is a Saturday: observed Friday 07-03.
  EXPECT_THAT(Days(UnitedStatesHolidays(2026)),
              ::testing::ElementsAre("2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25",
                                     "2026-06-19", "2026-07-03", "2026-09-07", "2026-10-12",
                                     "2026-11-11", "2026-11-26", "2026-12-25"));
  // 2027-12-25 is a Saturday (observed 12-24); 2022-06-19 a Sunday (observed 06-20).
  auto y2027 = Days(UnitedStatesHolidays(2027));
  EXPECT_THAT(y2027, ::testing::Contains("2027-12-24"));
  EXPECT_THAT(Days(UnitedStatesHolidays(2022)), ::testing::Contains("2022-06-20"));
  EXPECT_EQ(UnitedStatesHolidays(2020).size(), 10u);  // before Juneteenth
}

}  // namespace
}  // namespace usdcop
