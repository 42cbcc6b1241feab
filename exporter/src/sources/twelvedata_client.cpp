#include "sources/twelvedata_client.h"

#include <cctype>

#include <nlohmann/json.hpp>

namespace usdcop {
namespace {

using nlohmann::json;

constexpr size_t kMaxVendorMessage = 200;

// RFC 3986 percent-encoding of a query value.
std::string EscapeQueryValue(const std::string& value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::optional<double> Number(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number() || it->get<double>() < 0) return std::nullopt;
  return it->get<double>();
}

// The vendor's error JSON {code, message, status: "error"} as a Status; nullopt if it is not one.
std::optional<Status> VendorError(const json& j) {
  if (!j.is_object() || !j.contains("status") || j["status"] != "error") return std::nullopt;
  long code = j.contains("code") && j["code"].is_number_integer() ? j["code"].get<long>() : 0;
  std::string message =
      j.contains("message") && j["message"].is_string() ? j["message"].get<std::string>() : "";
  if (message.size() > kMaxVendorMessage) message = message.substr(0, kMaxVendorMessage) + "...";
  std::string what =
      "/api_usage answered error " + std::to_string(code) + (message.empty() ? "" : ": " + message);
  if (code == 429) return Status(Reason::kRateLimited, what);
  if (code == 401 || code == 403) return Status(Reason::kAuth, what + " (check the key)");
  return Status(Reason::kHttpStatus, what);
}

}  // namespace

Result<ApiUsage> ParseApiUsage(long http_status, const std::string& body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (auto error = VendorError(j)) return *error;
  if (http_status == 429) return Status(Reason::kRateLimited, "/api_usage answered HTTP 429");
  if (http_status == 401)
    return Status(Reason::kAuth, "/api_usage answered HTTP 401 (check the key)");
  if (http_status != 200)
    return Status(Reason::kHttpStatus, "/api_usage answered HTTP " + std::to_string(http_status));
  if (j.is_discarded() || !j.is_object())
    return Status(Reason::kParse, "/api_usage: answer is not a JSON object");
  ApiUsage u;
  auto used = Number(j, "current_usage");
  auto limit = Number(j, "plan_limit");
  if (!used || !limit)
    return Status(Reason::kParse, "/api_usage: answer lacks current_usage or plan_limit");
  u.current_usage = *used;
  u.plan_limit = *limit;
  u.daily_usage = Number(j, "daily_usage");
  u.plan_daily_limit = Number(j, "plan_daily_limit");
  if (u.daily_usage.has_value() != u.plan_daily_limit.has_value())
    return Status(Reason::kParse,
                  "/api_usage: answer has only one of daily_usage and plan_daily_limit");
  return u;
}

Result<ApiUsage> TwelveDataClient::Usage(const Secret& key, const Deadline& deadline) {
  HttpRequest req{.url = url_ + "/api_usage?apikey=" + EscapeQueryValue(key.reveal())};
  req.headers = {{"Accept", "application/json"}};
  auto r = http_.Do(req, deadline);  // its errors name the path only, never the query
  if (!r.ok()) return r.status();
  return ParseApiUsage(r->status, r->body);
}

}  // namespace usdcop
