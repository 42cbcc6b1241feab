// Parsing and printing of the config's durations ("30s", "5m", "1h30m", Prometheus' syntax) and
// sizes ("200MiB"), and of timestamps in ISO 8601 ("2026-11-24T13:05:00Z",
// "2026-11-24T13:05:01.123456+00:00"). Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace usdcop {

using Duration = std::chrono::milliseconds;
using SysTime = std::chrono::sys_time<std::chrono::microseconds>;

// Prometheus duration: one or more <int><unit> with units ms, s, m, h, d, w, y, largest first
// ("1h30m"). nullopt on anything else, including "" and a bare number.
std::optional<Duration> ParseDuration(std::string_view text);
// The shortest Prometheus spelling: 90000ms -> "1m30s", 0 -> "0s".
std::string FormatDuration(Duration d);

// Bytes: a whole number with an optional unit B, KiB, MiB, GiB, TiB (also KB, MB, GB, TB as
// powers of 1000). nullopt on anything else.
std::optional<std::uint64_t> ParseSize(std::string_view text);

// ISO 8601 / RFC 3339 date-time with an offset ("Z" or "+hh:mm"), fractional seconds optional
// (any number of digits; kept to microseconds).
std::optional<SysTime> ParseTimestamp(std::string_view text);
// A calendar date "YYYY-MM-DD", as 00:00 UTC of that day.
std::optional<SysTime> ParseDate(std::string_view text);
// Unix seconds with sub-second precision, the unit of every *_timestamp_seconds metric.
double ToUnixSeconds(SysTime t);
// A duration in seconds with its fraction, the unit of every *_seconds metric.
template <class Rep, class Period>
constexpr double ToSeconds(std::chrono::duration<Rep, Period> d) {
  return std::chrono::duration<double>(d).count();
}
// The seconds a steady_clock stopwatch started at `start` reads now.
inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return ToSeconds(std::chrono::steady_clock::now() - start);
}
// RFC 3339 in UTC with microseconds: "2026-11-24T13:05:01.123456Z".
std::string FormatTimestamp(SysTime t);

}  // namespace usdcop
