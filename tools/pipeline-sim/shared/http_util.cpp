#include "shared/http_util.h"

#include <cctype>
#include <cmath>

namespace usdcop::sim {
namespace {

// JSON keeps non-negative integers unsigned: compare without overflow.
std::optional<int64_t> IntInRange(const json& v, int64_t min, int64_t max) {
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (max < 0 || u > static_cast<uint64_t>(max)) return std::nullopt;
    auto n = static_cast<int64_t>(u);
    return n >= min ? std::optional<int64_t>(n) : std::nullopt;
  }
  int64_t n = v.get<int64_t>();
  return n >= min && n <= max ? std::optional<int64_t>(n) : std::nullopt;
}

constexpr size_t kMaxBodyBytes = 16 << 20;

}  // namespace

void ReplyJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

httplib::Server::HandlerWithContentReader OptionalBody(httplib::Server::Handler handler) {
  return [handler](const httplib::Request& req, httplib::Response& res,
                   const httplib::ContentReader& reader) {
    if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
      return handler(req, res);
    }
    httplib::Request with_body = req;  // its path matches still point into req.path
    bool fits = reader([&with_body](const char* data, size_t length) {
      with_body.body.append(data, length);
      return with_body.body.size() <= kMaxBodyBytes;
    });
    if (!fits) return ReplyJson(res, 413, {{"error", "body too large"}, {"field", "body"}});
    handler(with_body, res);
  };
}

void ReplyError(httplib::Response& res, const Error& error) {
  ReplyJson(res, HttpStatusOf(error.kind), {{"error", error.message}, {"field", error.field}});
}

std::string PathParam(const httplib::Request& req, size_t i) {
  return i < req.matches.size() ? req.matches[i].str() : std::string();
}

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 250) return false;
  for (char c : id) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

FieldReader::FieldReader(const std::string& body) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return;
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    Fail("body", "the body is not valid JSON");
  } else if (!parsed.is_object()) {
    Fail("body", "the body is not a JSON object");
  } else {
    object_ = std::move(parsed);
  }
}

void FieldReader::Fail(std::string field, std::string message) {
  if (!error_) error_ = BadInput(std::move(field), std::move(message));
}

void FieldReader::RejectUnknown(std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : object_.items()) {
    bool found = false;
    for (std::string_view k : known) found = found || k == key;
    if (!found) Fail(key, "unknown field \"" + key + "\"");
  }
}

const json* FieldReader::Find(const char* key, bool required) {
  auto it = object_.find(key);
  if (it != object_.end() && !it->is_null()) return &*it;
  if (required) Fail(key, std::string("\"") + key + "\" is required");
  return nullptr;
}

std::optional<std::string> FieldReader::String(const char* key, bool required) {
  const json* v = Find(key, required);
  if (v == nullptr) return std::nullopt;
  if (v->is_string()) return v->get<std::string>();
  Fail(key, std::string("\"") + key + "\" must be a string");
  return std::nullopt;
}

std::optional<bool> FieldReader::Bool(const char* key, bool required) {
  const json* v = Find(key, required);
  if (v == nullptr) return std::nullopt;
  if (v->is_boolean()) return v->get<bool>();
  Fail(key, std::string("\"") + key + "\" must be true or false");
  return std::nullopt;
}

std::optional<json> FieldReader::Object(const char* key, bool required) {
  const json* v = Find(key, required);
  if (v == nullptr) return std::nullopt;
  if (v->is_object()) return *v;
  Fail(key, std::string("\"") + key + "\" must be a JSON object");
  return std::nullopt;
}

std::optional<int64_t> FieldReader::Int(const char* key, int64_t min, int64_t max, bool required) {
  const json* v = Find(key, required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_number_integer()) {
    Fail(key, std::string("\"") + key + "\" must be an integer");
    return std::nullopt;
  }
  auto n = IntInRange(*v, min, max);
  if (!n) {
    Fail(key, std::string("\"") + key + "\" must be an integer from " + std::to_string(min) +
                  " to " + std::to_string(max));
  }
  return n;
}

std::optional<double> FieldReader::Number(const char* key, double min, double max, bool required) {
  const json* v = Find(key, required);
  if (v == nullptr) return std::nullopt;
  if (v->is_number()) {
    double d = v->get<double>();
    if (std::isfinite(d) && d >= min && d <= max) return d;
  }
  Fail(key, std::string("\"") + key + "\" must be a number from " + json(min).dump() + " to " +
                json(max).dump());
  return std::nullopt;
}

std::optional<std::vector<std::string>> FieldReader::StringList(const char* key, bool required) {
  const json* v = Find(key, required);
  if (v == nullptr) return std::nullopt;
  std::vector<std::string> out;
  if (v->is_array()) {
    for (const json& item : *v) {
      if (!item.is_string()) break;
      out.push_back(item.get<std::string>());
    }
    if (out.size() == v->size()) return out;
  }
  Fail(key, std::string("\"") + key + "\" must be a list of strings");
  return std::nullopt;
}

std::optional<size_t> FieldReader::OneOf(const char* key, std::span<const std::string_view> names,
                                         bool required) {
  auto value = String(key, required);
  if (!value) return std::nullopt;
  std::string list;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == *value) return i;
    list += (i == 0 ? "" : ", ") + std::string(names[i]);
  }
  Fail(key, std::string(key) + " must be one of " + list);
  return std::nullopt;
}

}  // namespace usdcop::sim
