#include "shared/sim_time.h"

#include <date/date.h>

namespace usdcop::sim {
namespace {

// "2026-11-24T13:05:01" plus ".123456" unless the microseconds are zero.
std::string FormatUtc(Time t) {
  auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  std::string out = date::format("%FT%T", seconds);
  auto micros = (t - seconds).count();
  if (micros == 0) return out;
  std::string fraction = std::to_string(micros);
  return out + "." + std::string(6 - fraction.size(), '0') + fraction;
}

// Reads `width` digits at text[pos] into *value; advances pos.
bool Digits(std::string_view text, size_t& pos, size_t width, int* value) {
  if (pos + width > text.size()) return false;
  *value = 0;
  for (size_t i = 0; i < width; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    *value = *value * 10 + (c - '0');
  }
  pos += width;
  return true;
}

// "YYYY-MM-DDTHH:MM:SS" as a UTC time.
std::optional<Time> ParseDateTime(std::string_view text, size_t& pos) {
  static constexpr std::string_view kSeparators = "--T::";  // before each field after the year
  int f[6] = {0, 0, 0, 0, 0, 0};                            // y, mo, d, h, mi, s
  if (!Digits(text, pos, 4, &f[0])) return std::nullopt;
  for (size_t i = 1; i < 6; ++i) {
    if (pos >= text.size() || text[pos++] != kSeparators[i - 1]) return std::nullopt;
    if (!Digits(text, pos, 2, &f[i])) return std::nullopt;
  }
  date::year_month_day ymd{date::year(f[0]), date::month(static_cast<unsigned>(f[1])),
                           date::day(static_cast<unsigned>(f[2]))};
  if (!ymd.ok() || f[3] > 23 || f[4] > 59 || f[5] > 60) return std::nullopt;
  auto seconds = std::chrono::hours(f[3]) + std::chrono::minutes(f[4]) + std::chrono::seconds(f[5]);
  return Time(date::sys_days(ymd).time_since_epoch() + seconds);
}

// An optional ".digits" fraction, kept to microseconds.
Micros ParseFraction(std::string_view text, size_t& pos) {
  if (pos >= text.size() || text[pos] != '.') return Micros(0);
  ++pos;
  int64_t micros = 0;
  int digits = 0;
  for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++digits) {
    if (digits < 6) micros = micros * 10 + (text[pos] - '0');
  }
  for (int i = digits; i < 6; ++i) micros *= 10;
  return Micros(digits == 0 ? -1 : micros);  // -1: a dot without digits
}

// "Z" or "+HH:MM" / "-HH:MM" ending the text.
std::optional<std::chrono::minutes> ParseZone(std::string_view text, size_t& pos) {
  if (pos + 1 == text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    return std::chrono::minutes(0);
  }
  if (pos + 6 != text.size() || (text[pos] != '+' && text[pos] != '-')) return std::nullopt;
  int sign = text[pos++] == '-' ? -1 : 1;
  int h = 0;
  int m = 0;
  bool ok = Digits(text, pos, 2, &h) && text[pos++] == ':' && Digits(text, pos, 2, &m);
  if (!ok || h > 23 || m > 59) return std::nullopt;
  return std::chrono::minutes(sign * (h * 60 + m));
}

}  // namespace

Time Now() { return std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now()); }

std::string FormatAirflow2(Time t) { return FormatUtc(t) + "+00:00"; }

std::string FormatIsoZ(Time t) { return FormatUtc(t) + "Z"; }

std::optional<Time> ParseIsoTime(std::string_view text) {
  size_t pos = 0;
  auto t = ParseDateTime(text, pos);
  if (!t) return std::nullopt;
  Micros fraction = ParseFraction(text, pos);
  if (fraction < Micros(0)) return std::nullopt;
  auto zone = ParseZone(text, pos);
  if (!zone) return std::nullopt;
  return *t + fraction - *zone;
}

}  // namespace usdcop::sim
