// Helpers shared by the simulator's HTTP handlers: JSON replies (errors included), path
// parameters, and a reader of control-request bodies that keeps the first validation error as a
// value.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "shared/enum_names.h"
#include "shared/status.h"

namespace usdcop::sim {

using nlohmann::json;

void ReplyJson(httplib::Response& res, int status, const json& body);

// Adapts a handler for a POST whose body is optional. httplib answers 400 by itself to a plain
// handler's POST without Content-Length (what `curl -X POST` sends); with a content reader we
// read the body only when there is one. Bodies over 16 MiB are answered 413.
httplib::Server::HandlerWithContentReader OptionalBody(httplib::Server::Handler handler);

// A control endpoint's error: its kind's HTTP status (400, 409, 503) with
// {"error": message, "field": field}.
void ReplyError(httplib::Response& res, const Error& error);

// Path parameter `i` of a regex route. httplib has already percent-decoded the path.
std::string PathParam(const httplib::Request& req, size_t i);

// True for an Airflow-style id: 1..250 of letters, digits, "_", "-" and ".".
bool IsValidId(std::string_view id);

// Reads fields of a JSON object body. Each getter answers nullopt when the field is absent or
// wrong; the first problem is kept, as a kBadInput Error naming the field, in error(). An empty
// body counts as {}.
class FieldReader {
 public:
  explicit FieldReader(const std::string& body);

  bool ok() const { return !error_.has_value(); }
  // Only meaningful when !ok().
  const Error& error() const { return *error_; }
  // Records a problem found by the caller (the first one wins).
  void Fail(std::string field, std::string message);
  bool Has(const char* key) const { return object_.contains(key); }
  // Fails on keys outside `known`.
  void RejectUnknown(std::initializer_list<std::string_view> known);

  std::optional<std::string> String(const char* key, bool required);
  std::optional<bool> Bool(const char* key, bool required);
  // A JSON object.
  std::optional<json> Object(const char* key, bool required);
  std::optional<int64_t> Int(const char* key, int64_t min, int64_t max, bool required);
  std::optional<double> Number(const char* key, double min, double max, bool required);
  std::optional<std::vector<std::string>> StringList(const char* key, bool required);
  // A string that must be one of `names`: its index there.
  std::optional<size_t> OneOf(const char* key, std::span<const std::string_view> names,
                              bool required);
  // A string that must be one of an enum's names: its value.
  template <class Enum, size_t N>
  std::optional<Enum> OneOf(const char* key, const EnumNames<Enum, N>& names, bool required) {
    auto index = OneOf(key, names.names(), required);
    return index ? std::optional<Enum>(static_cast<Enum>(*index)) : std::nullopt;
  }

 private:
  const json* Find(const char* key, bool required);

  json object_ = json::object();
  std::optional<Error> error_;
};

}  // namespace usdcop::sim
