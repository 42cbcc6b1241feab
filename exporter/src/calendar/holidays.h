// Public holidays, computed for any year (Gregorian calendar): Colombia's (Ley 51 de 1983,
// "Ley Emiliani": fixed dates, dates moved to the next Monday, and Easter-relative days) and
// the United States' federal holidays (with their observed weekday). Pure functions;
// thread-safe.
#pragma once

#include <date/date.h>

#include <string>
#include <vector>

namespace usdcop {

struct Holiday {
  date::year_month_day day;  // the day it is observed
  std::string name;
};

// Easter Sunday (Western), by the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
date::year_month_day EasterSunday(int year);

// The 18 Colombian public holidays of the year, in date order (two may share a day, as on
// 2025-06-30).
std::vector<Holiday> ColombianHolidays(int year);

// The US federal holidays of the year (5 U.S.C. 6103; 11 since Juneteenth in 2021), on their
// observed days: one on a Saturday is observed the Friday before, one on a Sunday the Monday after.
std::vector<Holiday> UnitedStatesHolidays(int year);

}  // namespace usdcop
