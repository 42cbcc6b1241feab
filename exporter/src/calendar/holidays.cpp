#include "calendar/holidays.h"

#include <algorithm>

namespace usdcop {
namespace {

using date::days;
using date::sys_days;
using date::year_month_day;

year_month_day Ymd(int y, unsigned m, unsigned d) {
  return year_month_day{date::year{y}, date::month{m}, date::day{d}};
}

// Ley Emiliani: a holiday that does not fall on a Monday moves to the following Monday.
year_month_day NextMonday(year_month_day d) {
  sys_days day{d};
  while (date::weekday{day} != date::Monday) day += days{1};
  return year_month_day{day};
}

year_month_day Plus(year_month_day d, int n) { return year_month_day{sys_days{d} + days{n}}; }

// The n-th weekday of a month (n >= 1), or the last one (n == -1).
year_month_day NthWeekday(int y, unsigned m, date::weekday wd, int n) {
  if (n > 0) return year_month_day{date::year{y} / date::month{m} / wd[static_cast<unsigned>(n)]};
  return year_month_day{date::year{y} / date::month{m} / wd[date::last]};
}

year_month_day Observed(year_month_day d) {
  date::weekday wd{sys_days{d}};
  if (wd == date::Saturday) return Plus(d, -1);
  if (wd == date::Sunday) return Plus(d, 1);
  return d;
}

void SortByDay(std::vector<Holiday>& v) {
  std::stable_sort(v.begin(), v.end(),
                   [](const Holiday& a, const Holiday& b) { return a.day < b.day; });
}

}  // namespace

year_month_day EasterSunday(int y) {
  int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
  int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
  int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
  int m = (a + 11 * h + 22 * l) / 451;
  int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
  return Ymd(y, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

std::vector<Holiday> ColombianHolidays(int y) {
  const year_month_day easter = EasterSunday(y);
  std::vector<Holiday> h = {
      {Ymd(y, 1, 1), "Año Nuevo"},
      {NextMonday(Ymd(y, 1, 6)), "Día de los Reyes Magos"},
      {NextMonday(Ymd(y, 3, 19)), "Día de San José"},
      {Plus(easter, -3), "Jueves Santo"},
      {Plus(easter, -2), "Viernes Santo"},
      {Ymd(y, 5, 1), "Día del Trabajo"},
      {NextMonday(Plus(easter, 39)), "Ascensión del Señor"},
      {NextMonday(Plus(easter, 60)), "Corpus Christi"},
      {NextMonday(Plus(easter, 68)), "Sagrado Corazón"},
      {NextMonday(Ymd(y, 6, 29)), "San Pedro y San Pablo"},
      {Ymd(y, 7, 20), "Día de la Independencia"},
      {Ymd(y, 8, 7), "Batalla de Boyacá"},
      {NextMonday(Ymd(y, 8, 15)), "La Asunción de la Virgen"},
      {NextMonday(Ymd(y, 10, 12)), "Día de la Raza"},
      {NextMonday(Ymd(y, 11, 1)), "Todos los Santos"},
      {NextMonday(Ymd(y, 11, 11)), "Independencia de Cartagena"},
      {Ymd(y, 12, 8), "Inmaculada Concepción"},
      {Ymd(y, 12, 25), "Navidad"},
  };
  SortByDay(h);
  return h;
}

std::vector<Holiday> UnitedStatesHolidays(int y) {
  std::vector<Holiday> h = {
      {Observed(Ymd(y, 1, 1)), "New Year's Day"},
      {NthWeekday(y, 1, date::Monday, 3), "Birthday of Martin Luther King, Jr."},
      {NthWeekday(y, 2, date::Monday, 3), "Washington's Birthday"},
      {NthWeekday(y, 5, date::Monday, -1), "Memorial Day"},
      {Observed(Ymd(y, 7, 4)), "Independence Day"},
      {NthWeekday(y, 9, date::Monday, 1), "Labor Day"},
      {NthWeekday(y, 10, date::Monday, 2), "Columbus Day"},
      {Observed(Ymd(y, 11, 11)), "Veterans Day"},
      {NthWeekday(y, 11, date::Thursday, 4), "Thanksgiving Day"},
      {Observed(Ymd(y, 12, 25)), "Christmas Day"},
  };
  if (y >= 2021) h.push_back({Observed(Ymd(y, 6, 19)), "Juneteenth National Independence Day"});
  SortByDay(h);
  return h;
}

}  // namespace usdcop
