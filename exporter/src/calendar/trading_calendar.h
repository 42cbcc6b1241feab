// The trading calendar of the USD/COP market: sessions of bars in the exchange's time zone,
// closed on weekends, public holidays and configured extra days. Answers which bars the
// calendar expects in a time range, whether the market is open, and which session is the
// current (or last) one. Immutable once built; thread-safe.
#pragma once

#include <date/tz.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "calendar/calendar_config.h"
#include "common/status.h"
#include "common/units.h"

namespace usdcop {

// One session on one day: bars open at first_bar, first_bar + interval, ..., last_bar.
struct SessionSpan {
  SysTime first_bar;
  SysTime last_bar;
  SysTime end;  // last_bar + the bar interval: the market closes here
};

class TradingCalendar {
 public:
  // Fails (Reason::kParse) for an unknown time zone or a malformed extra day.
  static Result<std::shared_ptr<const TradingCalendar>> Create(const CalendarConfig& config);

  const std::string& market() const { return config_.market; }
  const std::string& timezone() const { return config_.timezone; }  // an IANA name
  Duration bar_interval() const { return config_.bar_interval; }

  bool IsHoliday(date::local_days day) const;
  bool IsTradingDay(date::local_days day) const;
  // The sessions of a local day, in time order; none on a closed day.
  std::vector<SessionSpan> SessionsOn(date::local_days day) const;
  // True from a session's first bar open until its last bar closes.
  bool IsOpen(SysTime t) const;
  // Open times b of the expected bars with from <= b < to, in time order.
  std::vector<SysTime> Bars(SysTime from, SysTime to) const;
  // The session that contains t, or else the last one that ended before t (looking back at
  // most a year); nullopt if none.
  std::optional<SessionSpan> CurrentOrLastSession(SysTime t) const;
  // The exchange's local date of an instant.
  date::local_days LocalDay(SysTime t) const;

 private:
  TradingCalendar(CalendarConfig config, const date::time_zone* tz,
                  std::set<date::local_days> closed, std::set<date::local_days> open)
      : config_(std::move(config)),
        tz_(tz),
        extra_closed_(std::move(closed)),
        extra_open_(std::move(open)) {}
  SysTime ToSys(date::local_days day, std::chrono::minutes at) const;

  const CalendarConfig config_;
  const date::time_zone* const tz_;
  const std::set<date::local_days> extra_closed_;
  const std::set<date::local_days> extra_open_;
};

}  // namespace usdcop
