// calendar: the market's sessions, time zone, bar interval and closed days.
#include <date/tz.h>

#include <algorithm>
#include <regex>

#include "config/sections.h"

namespace usdcop {
namespace {

const std::regex kClock("^([01][0-9]|2[0-3]):([0-5][0-9])$");
constexpr const char* kWeekdays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

std::optional<std::chrono::minutes> ClockTime(FieldReader& r, const YAML::Node& node,
                                              const std::string& path, const char* key) {
  auto text = r.String(node, path, key, true);
  if (!text) return std::nullopt;
  std::smatch m;
  if (!std::regex_match(*text, m, kClock)) {
    r.Error(node[key], Join(path, key),
            "\"" + *text + "\" is not a local time HH:MM (e.g. \"08:00\")");
    return std::nullopt;
  }
  return std::chrono::minutes(std::stoi(m[1]) * 60 + std::stoi(m[2]));
}

std::vector<unsigned> Weekdays(FieldReader& r, const YAML::Node& node, const std::string& path) {
  std::vector<unsigned> out;
  const YAML::Node days = node["days"];
  if (!days.IsDefined()) {
    r.Error(node, Join(path, "days"), "is required (e.g. [mon, tue, wed, thu, fri])");
    return out;
  }
  if (!r.List(days, Join(path, "days"))) return out;
  for (size_t i = 0; i < days.size(); ++i) {
    std::string word = days[i].IsScalar() ? days[i].Scalar() : "";
    auto it = std::find(std::begin(kWeekdays), std::end(kWeekdays), word);
    if (it == std::end(kWeekdays))
      r.Error(days[i], Join(path, "days") + "[" + std::to_string(i) + "]",
              "\"" + word + "\" is not a weekday (sun, mon, tue, wed, thu, fri, sat)");
    else
      out.push_back(static_cast<unsigned>(it - std::begin(kWeekdays)));
  }
  return out;
}

std::optional<CalendarConfig::Session> ParseSession(FieldReader& r, const YAML::Node& node,
                                                    const std::string& path, Duration bar) {
  if (!r.Map(node, path, {"days", "open", "close"}) || !node.IsMap()) return std::nullopt;
  CalendarConfig::Session s;
  s.weekdays = Weekdays(r, node, path);
  auto open = ClockTime(r, node, path, "open"), close = ClockTime(r, node, path, "close");
  if (!open || !close) return std::nullopt;
  s.open = *open;
  s.close = *close;
  if (s.close < s.open)
    r.Error(node["close"], Join(path, "close"),
            "the last bar opens before the first (close is a bar's open time)");
  else if ((s.close - s.open) % bar != Duration(0))
    r.Error(node["close"], Join(path, "close"),
            "open and close must be a whole number of bar intervals (" + FormatDuration(bar) +
                ") apart");
  return s;
}

std::vector<std::string> Days(FieldReader& r, const YAML::Node& node, const std::string& path,
                              const char* key) {
  std::vector<std::string> out;
  if (!node[key].IsDefined()) return out;
  const std::string field = Join(path, key);
  if (!r.List(node[key], field)) return out;
  for (size_t i = 0; i < node[key].size(); ++i) {
    const YAML::Node d = node[key][i];
    std::string text = d.IsScalar() ? d.Scalar() : "";
    if (!ParseDate(text))
      r.Error(d, field + "[" + std::to_string(i) + "]",
              "\"" + text + "\" is not a date YYYY-MM-DD");
    else
      out.push_back(text);
  }
  return out;
}

void ParseHolidays(FieldReader& r, const YAML::Node& node, const std::string& path,
                   CalendarConfig& c) {
  if (!node["holidays"].IsDefined()) return;
  const std::string field = Join(path, "holidays");
  if (!r.List(node["holidays"], field)) return;
  c.colombia_holidays = false;
  for (size_t i = 0; i < node["holidays"].size(); ++i) {
    std::string word = node["holidays"][i].IsScalar() ? node["holidays"][i].Scalar() : "";
    if (word == "colombia")
      c.colombia_holidays = true;
    else if (word == "united_states")
      c.united_states_holidays = true;
    else
      r.Error(node["holidays"][i], field + "[" + std::to_string(i) + "]",
              "\"" + word + "\" is not colombia or united_states");
  }
}

}  // namespace

CalendarConfig ParseCalendarSection(FieldReader& r, const YAML::Node& node,
                                    const std::string& path) {
  CalendarConfig c;
  if (!r.Map(node, path,
             {"market", "timezone", "sessions", "bar_interval", "holidays", "extra_closed_days",
              "extra_open_days"}) ||
      !node.IsMap())
    return c;
  c.market = r.String(node, path, "market").value_or(c.market);
  c.timezone = r.String(node, path, "timezone").value_or(c.timezone);
  try {
    date::locate_zone(c.timezone);
  } catch (const std::exception&) {
    r.Error(FieldReader::At(node, "timezone"), Join(path, "timezone"),
            "\"" + c.timezone + "\" is not a time zone of the tz database (e.g. America/Bogota)");
  }
  c.bar_interval = r.Dur(node, path, "bar_interval").value_or(c.bar_interval);
  if (c.bar_interval % std::chrono::seconds(1) != Duration(0) ||
      c.bar_interval > std::chrono::hours(24))
    r.Error(FieldReader::At(node, "bar_interval"), Join(path, "bar_interval"),
            "must be whole seconds, at most 24h");
  if (node["sessions"].IsDefined() && r.List(node["sessions"], Join(path, "sessions"))) {
    c.sessions.clear();
    for (size_t i = 0; i < node["sessions"].size(); ++i)
      if (auto s =
              ParseSession(r, node["sessions"][i],
                           Join(path, "sessions") + "[" + std::to_string(i) + "]", c.bar_interval))
        c.sessions.push_back(std::move(*s));
    if (node["sessions"].size() == 0)
      r.Error(node["sessions"], Join(path, "sessions"), "needs at least one session");
  }
  ParseHolidays(r, node, path, c);
  c.extra_closed_days = Days(r, node, path, "extra_closed_days");
  c.extra_open_days = Days(r, node, path, "extra_open_days");
  return c;
}

}  // namespace usdcop
