#include "calendar/trading_calendar.h"

#include <algorithm>

#include "calendar/holidays.h"

namespace usdcop {
namespace {

using date::days;
using date::local_days;

std::optional<local_days> ParseLocalDay(const std::string& text) {
  auto d = ParseDate(text);
  if (!d) return std::nullopt;
  return local_days{std::chrono::floor<days>(d->time_since_epoch())};
}

bool ListsDay(const std::vector<Holiday>& holidays, date::year_month_day day) {
  return std::any_of(holidays.begin(), holidays.end(),
                     [&](const Holiday& h) { return h.day == day; });
}

}  // namespace

Result<std::shared_ptr<const TradingCalendar>> TradingCalendar::Create(
    const CalendarConfig& config) {
  const date::time_zone* tz = nullptr;
  try {
    tz = date::locate_zone(config.timezone);
  } catch (const std::exception& e) {
    return Status(Reason::kParse,
                  "unknown time zone \"" + config.timezone + "\" (e.g. America/Bogota)");
  }
  std::set<local_days> closed, open;
  for (const auto& [list, into] :
       {std::pair{&config.extra_closed_days, &closed}, std::pair{&config.extra_open_days, &open}}) {
    for (const std::string& text : *list) {
      auto day = ParseLocalDay(text);
      if (!day) return Status(Reason::kParse, "\"" + text + "\" is not a date (YYYY-MM-DD)");
      into->insert(*day);
    }
  }
  return std::shared_ptr<const TradingCalendar>(
      new TradingCalendar(config, tz, std::move(closed), std::move(open)));
}

bool TradingCalendar::IsHoliday(local_days day) const {
  date::year_month_day ymd{date::sys_days{day.time_since_epoch()}};
  int year = static_cast<int>(ymd.year());
  return (config_.colombia_holidays && ListsDay(ColombianHolidays(year), ymd)) ||
         (config_.united_states_holidays && ListsDay(UnitedStatesHolidays(year), ymd));
}

bool TradingCalendar::IsTradingDay(local_days day) const {
  if (extra_closed_.count(day)) return false;
  if (extra_open_.count(day)) return true;
  return !SessionsOn(day).empty();
}

SysTime TradingCalendar::ToSys(local_days day, std::chrono::minutes at) const {
  auto local = date::local_time<std::chrono::microseconds>(day + at);
  return std::chrono::time_point_cast<std::chrono::microseconds>(
      tz_->to_sys(local, date::choose::earliest));
}

std::vector<SessionSpan> TradingCalendar::SessionsOn(local_days day) const {
  if (extra_closed_.count(day)) return {};
  const bool forced_open = extra_open_.count(day) > 0;
  if (!forced_open && IsHoliday(day)) return {};
  const unsigned weekday = date::weekday{day}.c_encoding();
  std::vector<const CalendarConfig::Session*> chosen;
  for (const CalendarConfig::Session& s : config_.sessions)
    if (std::find(s.weekdays.begin(), s.weekdays.end(), weekday) != s.weekdays.end())
      chosen.push_back(&s);
  // An extra open day with no session of its own (a Saturday) trades the first session's hours.
  if (chosen.empty() && forced_open && !config_.sessions.empty())
    chosen.push_back(&config_.sessions.front());
  std::vector<SessionSpan> out;
  for (const CalendarConfig::Session* s : chosen) {
    SysTime first = ToSys(day, s->open), last = ToSys(day, s->close);
    out.push_back({first, last, last + config_.bar_interval});
  }
  std::sort(out.begin(), out.end(),
            [](const SessionSpan& a, const SessionSpan& b) { return a.first_bar < b.first_bar; });
  return out;
}

local_days TradingCalendar::LocalDay(SysTime t) const {
  return std::chrono::floor<days>(tz_->to_local(t));
}

bool TradingCalendar::IsOpen(SysTime t) const {
  local_days today = LocalDay(t);
  for (local_days d : {today - days{1}, today})  // a session may run past local midnight
    for (const SessionSpan& s : SessionsOn(d))
      if (s.first_bar <= t && t < s.end) return true;
  return false;
}

std::vector<SysTime> TradingCalendar::Bars(SysTime from, SysTime to) const {
  std::vector<SysTime> out;
  if (to <= from) return out;
  for (local_days d = LocalDay(from) - days{1}; d <= LocalDay(to); d += days{1}) {
    for (const SessionSpan& s : SessionsOn(d)) {
      if (s.last_bar < from || s.first_bar >= to) continue;
      for (SysTime b = s.first_bar; b <= s.last_bar; b += config_.bar_interval)
        if (from <= b && b < to) out.push_back(b);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::optional<SessionSpan> TradingCalendar::CurrentOrLastSession(SysTime t) const {
  local_days today = LocalDay(t);
  for (int back = 0; back <= 366; ++back) {
    std::vector<SessionSpan> sessions = SessionsOn(today - days{back});
    for (auto it = sessions.rbegin(); it != sessions.rend(); ++it)
      if (it->first_bar <= t) return *it;  // contains t, or ended before it
  }
  return std::nullopt;
}

}  // namespace usdcop
