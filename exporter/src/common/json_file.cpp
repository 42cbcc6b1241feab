#include "common/json_file.h"

#include "common/small_file.h"
#include "common/units.h"

namespace usdcop {

Result<nlohmann::json> ReadJsonObject(const std::string& path, std::size_t max_bytes) {
  auto text = ReadSmallFile(path, max_bytes);
  if (!text.ok()) return text.status();
  return ParseJsonObject(*text, path);
}

Result<nlohmann::json> ParseJsonObject(std::string_view text, const std::string& name) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return Status(Reason::kParse, name + ": not a JSON object");
  return j;
}

std::optional<double> JsonTime(const nlohmann::json& value) {
  if (value.is_number()) return value.get<double>();
  if (!value.is_string()) return std::nullopt;
  auto t = ParseTimestamp(value.get<std::string>());
  if (!t) return std::nullopt;
  return ToUnixSeconds(*t);
}

}  // namespace usdcop
