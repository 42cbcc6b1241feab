#include "control/params.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>

#include "common/units.h"

namespace usdcop {
namespace {

using nlohmann::json;

bool SameIgnoringCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

bool FitsPattern(const ParamSpec& s, const json& value) {
  return s.pattern.empty() || !value.is_string() ||
         std::regex_match(value.get_ref<const std::string&>(), std::regex(s.pattern));
}

// "layer (or component), since or api_key".
std::string FieldList(const std::vector<ParamSpec>& specs) {
  std::vector<std::string> names;
  for (const ParamSpec& s : specs)
    names.push_back(s.aliases.empty() ? s.name : s.name + " (or " + OrList(s.aliases) + ")");
  return OrList(names);
}

// The field that `key` names: the one of that name, else the first with that alias whose pattern
// `value` fits, else the first with that alias; null when none.
const ParamSpec* FieldNamed(const std::string& key, const json& value,
                            const std::vector<ParamSpec>& specs) {
  for (const ParamSpec& s : specs)
    if (s.name == key) return &s;
  const ParamSpec* first = nullptr;
  for (const ParamSpec& s : specs) {
    if (std::find(s.aliases.begin(), s.aliases.end(), key) == s.aliases.end()) continue;
    if (FitsPattern(s, value)) return &s;
    if (!first) first = &s;
  }
  return first;
}

// What is wrong with `v` as the value of `s`, nullopt when nothing; an allowed value given in
// another case is respelled as listed.
std::optional<std::string> ValueProblem(const ParamSpec& s, json& v) {
  switch (s.kind) {
    case ParamSpec::Kind::kBool:
      if (!v.is_boolean()) return "must be true or false";
      return std::nullopt;
    case ParamSpec::Kind::kInteger:
      if (!v.is_number_integer()) return "must be an integer";
      return std::nullopt;
    case ParamSpec::Kind::kDuration: {
      std::optional<Duration> d =
          v.is_string() ? ParseDuration(v.get<std::string>()) : std::nullopt;
      if (!d || *d <= Duration(0)) return "must be a duration such as 30m or 2h";
      return std::nullopt;
    }
    case ParamSpec::Kind::kString:
      break;
  }
  if (!v.is_string()) return "must be a string";
  const std::string text = v.get<std::string>();
  if (text.empty() || text.size() > s.max_length)
    return "must be 1 to " + std::to_string(s.max_length) + " characters";
  if (!FitsPattern(s, v)) return "must be " + s.pattern_says;
  if (s.allowed.empty() || std::find(s.allowed.begin(), s.allowed.end(), text) != s.allowed.end())
    return std::nullopt;
  auto same = std::find_if(s.allowed.begin(), s.allowed.end(),
                           [&text](const std::string& a) { return SameIgnoringCase(a, text); });
  if (same == s.allowed.end()) return "must be " + OrList(s.allowed);
  v = *same;
  return std::nullopt;
}

}  // namespace

std::string OrList(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

ControlResponse ErrorResponse(int code, const std::string& error, const std::string& field) {
  ControlResponse r;
  r.code = code;
  r.body = {{"error", error}};
  if (!field.empty()) r.body["field"] = field;
  return r;
}

std::optional<ControlResponse> CheckParams(nlohmann::json& params,
                                           const std::vector<ParamSpec>& specs) {
  std::map<std::string, std::string> given_as;  // field -> the name the request gave it under
  json normal = json::object();
  for (auto& [key, value] : params.items()) {
    const ParamSpec* s = FieldNamed(key, value, specs);
    if (!s)
      return ErrorResponse(400,
                           specs.empty() ? "this action takes no fields besides action"
                                         : "unknown field; this action takes " + FieldList(specs),
                           key);
    auto [it, fresh] = given_as.try_emplace(s->name, key);
    if (!fresh)
      return ErrorResponse(
          400,
          "give " + it->second + " or " + key + ", not both: they are the same field, " + s->name,
          key);
    normal[s->name] = std::move(value);
  }
  params = std::move(normal);
  for (const ParamSpec& s : specs) {
    auto v = params.find(s.name);
    if (v == params.end()) {
      if (!s.required) continue;
      std::string what = "is required";
      if (!s.allowed.empty()) what += ": one of " + OrList(s.allowed);
      return ErrorResponse(400, what, s.name);
    }
    if (auto problem = ValueProblem(s, *v)) return ErrorResponse(400, *problem, given_as[s.name]);
  }
  return std::nullopt;
}

}  // namespace usdcop
