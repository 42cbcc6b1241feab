#include "common/json_file.h"

#include <cerrno>
#include <fstream>
#include <system_error>

#include "common/units.h"

namespace usdcop {

Result<nlohmann::json> ReadJsonObject(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Reason::kIo, path + ": " + std::generic_category().message(errno));
  std::string text(max_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(max_bytes + 1));
  text.resize(static_cast<std::size_t>(in.gcount()));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return Status(Reason::kParse, path + ": not a JSON object");
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
