#include "sources/websocket_feed.h"

#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/json_file.h"

namespace usdcop {
namespace {

using nlohmann::json;

constexpr size_t kQuoted = 48;

// The start of the message for an error, printable ASCII only.
std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size() && i < kQuoted; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    out += std::isprint(c) != 0 ? static_cast<char>(c) : '?';
  }
  return out + (text.size() > kQuoted ? "...\"" : "\"");
}

// A price: a number, or a string holding one.
bool IsPrice(const json& v) {
  if (v.is_number()) return true;
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  char* end = nullptr;
  (void)std::strtod(s.c_str(), &end);
  return !s.empty() && end == s.c_str() + s.size();
}

bool HasPrices(const json& data, std::initializer_list<const char*> keys, bool all) {
  for (const char* k : keys) {
    const bool has = data.contains(k) && IsPrice(data[k]);
    if (all && !has) return false;
    if (!all && has) return true;
  }
  return all;
}

std::optional<double> TimeIn(const json& data) {
  for (const char* k : {"time", "timestamp", "datetime"})
    if (data.contains(k))
      if (auto t = JsonTime(data[k])) return t;
  return std::nullopt;
}

}  // namespace

Result<FeedMessage> ParseFeedMessage(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status(Reason::kParse, "not a JSON object: " + Quote(text));
  FeedMessage m;
  if (!j.contains("data") || j["data"].is_null()) return m;  // a control message
  // A batch is judged by its newest item, the last.
  const json& data = j["data"].is_array() && !j["data"].empty() ? j["data"].back() : j["data"];
  if (!data.is_object()) return Status(Reason::kParse, "\"data\" is not an object: " + Quote(text));
  const bool bar = HasPrices(data, {"open", "high", "low", "close"}, /*all=*/true);
  const bool tick = HasPrices(data, {"price", "bid", "ask"}, /*all=*/false);
  if (!bar && !tick)
    return Status(
        Reason::kParse,
        "\"data\" is neither a bar (open, high, low, close) nor a tick (price, bid or ask): " +
            Quote(text));
  auto time = TimeIn(data);
  if (!time && j.contains("timestamp")) time = JsonTime(j["timestamp"]);
  if (!time)
    return Status(
        Reason::kParse,
        "no time in \"data\" (time, timestamp or datetime) nor in \"timestamp\": " + Quote(text));
  m.kind = FeedMessage::Kind::kData;
  m.timestamp = *time;
  return m;
}

}  // namespace usdcop
