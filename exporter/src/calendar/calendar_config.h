// calendar: the market's trading calendar as the config file gives it.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/units.h"

namespace usdcop {

// The market's trading calendar. Days are the exchange's local dates.
struct CalendarConfig {
  struct Session {
    std::vector<unsigned> weekdays;            // 0 = Sunday .. 6 = Saturday
    std::chrono::minutes open{8 * 60};         // local time of the first bar's open
    std::chrono::minutes close{12 * 60 + 55};  // local time of the last bar's open
  };
  std::string market = "usdcop";  // the `market` label
  std::string timezone = "America/Bogota";
  std::vector<Session> sessions = {Session{{1, 2, 3, 4, 5}}};
  Duration bar_interval = std::chrono::minutes(5);
  bool colombia_holidays = true;
  bool united_states_holidays = false;
  std::vector<std::string> extra_closed_days;  // "YYYY-MM-DD"
  std::vector<std::string> extra_open_days;    // trading days despite a weekend or holiday
};

}  // namespace usdcop
