#include "sources/bar_source.h"

#include <regex>

namespace usdcop {

bool IsSqlIdentifier(const std::string& name, bool allow_schema) {
  static const std::regex plain("^[A-Za-z_][A-Za-z0-9_]{0,62}$");
  static const std::regex qualified(
      "^[A-Za-z_][A-Za-z0-9_]{0,62}(\\.[A-Za-z_][A-Za-z0-9_]{0,62})?$");
  return std::regex_match(name, allow_schema ? qualified : plain);
}

std::string QuoteIdentifier(const std::string& name) {
  size_t dot = name.find('.');
  if (dot == std::string::npos) return "\"" + name + "\"";
  return "\"" + name.substr(0, dot) + "\".\"" + name.substr(dot + 1) + "\"";
}

}  // namespace usdcop
