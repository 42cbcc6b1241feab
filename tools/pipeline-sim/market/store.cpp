#include "market/store.h"

#include <cctype>

#include <date/date.h>

namespace usdcop::sim {
namespace {

bool IsIdentifier(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  auto c0 = static_cast<unsigned char>(s.front());
  if (!std::isalpha(c0) && c0 != '_') return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && u != '_') return false;
  }
  return true;
}

}  // namespace

Error DatabaseError(std::string message) { return IoError("database", std::move(message)); }

bool IsValidTableName(std::string_view name) {
  size_t dot = name.find('.');
  if (dot == std::string_view::npos) return IsIdentifier(name);
  return IsIdentifier(name.substr(0, dot)) && IsIdentifier(name.substr(dot + 1));
}

std::string UnqualifiedTable(const std::string& name) {
  size_t dot = name.find('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

std::string FormatMicrosZ(Time t) {
  auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  std::string micros = std::to_string((t - seconds).count());
  return date::format("%FT%T", seconds) + "." + std::string(6 - micros.size(), '0') + micros + "Z";
}

}  // namespace usdcop::sim
