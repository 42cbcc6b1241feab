#include "common/units.h"

#include <date/date.h>

#include <array>
#include <charconv>
#include <sstream>
#include <utility>

namespace usdcop {
namespace {

struct Unit {
  std::string_view name;
  Duration length;
};

// Largest first, as Prometheus requires; "ms" before "m" so that the longer suffix wins.
constexpr std::array<Unit, 7> kUnits = {{
    {"y", std::chrono::hours(24 * 365)},
    {"w", std::chrono::hours(24 * 7)},
    {"d", std::chrono::hours(24)},
    {"h", std::chrono::hours(1)},
    {"ms", Duration(1)},
    {"m", std::chrono::minutes(1)},
    {"s", std::chrono::seconds(1)},
}};

// The longest duration taken: 1000 years (each part is checked first, so nothing overflows).
constexpr Duration kMaxDuration = std::chrono::hours(24 * 365 * 1000);

constexpr std::array<std::string_view, 7> kOrder = {"y", "w", "d", "h", "m", "s", "ms"};

int OrderOf(std::string_view unit) {
  for (size_t i = 0; i < kOrder.size(); ++i)
    if (kOrder[i] == unit) return static_cast<int>(i);
  return -1;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// RFC 3339's shape, "YYYY-MM-DDTHH:MM:SS[.fraction]+hh:mm", checked before date::parse reads the
// text: date.h takes looser text (one-digit fields, an offset of hours only), and where it cannot
// read the seconds it converts their NaN to an integer, which is undefined behaviour (found by the
// fuzz target airflow: "2026-11-24T13:00:T13:00:00+00:00").
bool HasRfc3339Shape(std::string_view s) {
  constexpr std::string_view kDateTime = "dddd-dd-ddTdd:dd:dd";
  if (s.size() < kDateTime.size()) return false;
  for (size_t i = 0; i < kDateTime.size(); ++i)
    if (kDateTime[i] == 'd' ? !IsDigit(s[i]) : s[i] != kDateTime[i]) return false;
  s.remove_prefix(kDateTime.size());
  if (!s.empty() && s.front() == '.') {
    size_t digits = 1;
    while (digits < s.size() && IsDigit(s[digits])) ++digits;
    if (digits == 1) return false;
    s.remove_prefix(digits);
  }
  return s.size() == 6 && (s[0] == '+' || s[0] == '-') && IsDigit(s[1]) && IsDigit(s[2]) &&
         s[3] == ':' && IsDigit(s[4]) && IsDigit(s[5]);
}

}  // namespace

std::optional<Duration> ParseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  Duration total{0};
  int last_order = -1;
  while (!text.empty()) {
    std::int64_t number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc() || end == text.data() || number < 0) return std::nullopt;
    text.remove_prefix(static_cast<size_t>(end - text.data()));
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (text.starts_with(u.name)) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) return std::nullopt;
    int order = OrderOf(unit->name);
    if (order <= last_order) return std::nullopt;  // "5m1h" or "1m1m"
    last_order = order;
    text.remove_prefix(unit->name.size());
    if (number > kMaxDuration.count() / unit->length.count()) return std::nullopt;
    total += unit->length * number;
    // The whole at most 1000 years too, not only each part: FormatDuration's spelling of what
    // was accepted must parse again ("1000y10553h" would print as "1001y...").
    if (total > kMaxDuration) return std::nullopt;
  }
  return total;
}

std::string FormatDuration(Duration d) {
  if (d.count() == 0) return "0s";
  std::string out;
  std::int64_t rest = d.count();
  for (std::string_view name : kOrder) {
    for (const Unit& u : kUnits) {
      if (u.name != name) continue;
      std::int64_t n = rest / u.length.count();
      if (n > 0) {
        out += std::to_string(n) + std::string(name);
        rest -= n * u.length.count();
      }
    }
  }
  return out;
}

std::optional<std::uint64_t> ParseSize(std::string_view text) {
  std::uint64_t number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
  static constexpr std::pair<std::string_view, std::uint64_t> kSizes[] = {
      {"", 1},
      {"B", 1},
      {"KiB", 1ULL << 10},
      {"MiB", 1ULL << 20},
      {"GiB", 1ULL << 30},
      {"TiB", 1ULL << 40},
      {"KB", 1000ULL},
      {"MB", 1000ULL * 1000},
      {"GB", 1000ULL * 1000 * 1000},
      {"TB", 1000ULL * 1000 * 1000 * 1000},
  };
  for (const auto& [name, factor] : kSizes) {
    if (unit != name) continue;
    if (number > UINT64_MAX / factor) return std::nullopt;
    return number * factor;
  }
  return std::nullopt;
}

std::optional<SysTime> ParseTimestamp(std::string_view text) {
  std::string s(text);
  if (s.size() < 20 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ')) return std::nullopt;
  s[10] = 'T';
  if (s.back() == 'Z' || s.back() == 'z') s.replace(s.size() - 1, 1, "+00:00");
  // RFC 3339 allows any number of fraction digits (Go writes nanoseconds); keep microseconds.
  if (s.size() > 20 && s[19] == '.') {
    size_t end = s.find_first_not_of("0123456789", 20);
    if (end != std::string::npos && end > 26) s.erase(26, end - 26);
  }
  if (!HasRfc3339Shape(s)) return std::nullopt;
  std::istringstream in(s);
  SysTime t;
  in >> date::parse("%FT%T%Ez", t);
  if (in.fail()) return std::nullopt;
  if (in.peek() != std::char_traits<char>::eof()) return std::nullopt;
  return t;
}

std::optional<SysTime> ParseDate(std::string_view text) {
  if (text.size() != 10) return std::nullopt;
  std::istringstream in{std::string(text)};
  date::sys_days day;
  in >> date::parse("%F", day);
  if (in.fail()) return std::nullopt;
  return SysTime(day);
}

double ToUnixSeconds(SysTime t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

std::string FormatTimestamp(SysTime t) { return date::format("%FT%TZ", t); }

}  // namespace usdcop
