#include "control/params.h"

#include "common/units.h"

namespace usdcop {

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

std::optional<ControlResponse> CheckParams(const nlohmann::json& params, const std::vector<ParamSpec>& specs) {
  std::vector<std::string> names;
  for (const ParamSpec& s : specs) names.push_back(s.name);
  for (const auto& [key, value] : params.items()) {
    bool known = false;
    for (const ParamSpec& s : specs) known = known || s.name == key;
    if (!known)
      return ErrorResponse(400, names.empty() ? "this action takes no fields besides action"
                                              : "unknown field; this action takes " + OrList(names),
                           key);
  }
  for (const ParamSpec& s : specs) {
    if (!params.contains(s.name)) {
      if (s.required) {
        std::string what = "is required";
        if (!s.allowed.empty()) what += ": one of " + OrList(s.allowed);
        return ErrorResponse(400, what, s.name);
      }
      continue;
    }
    const nlohmann::json& v = params[s.name];
    switch (s.kind) {
      case ParamSpec::Kind::kBool:
        if (!v.is_boolean()) return ErrorResponse(400, "must be true or false", s.name);
        break;
      case ParamSpec::Kind::kInteger:
        if (!v.is_number_integer()) return ErrorResponse(400, "must be an integer", s.name);
        break;
      case ParamSpec::Kind::kDuration:
        if (!v.is_string() || !ParseDuration(v.get<std::string>()) || *ParseDuration(v.get<std::string>()) <= Duration(0))
          return ErrorResponse(400, "must be a duration such as 30m or 2h", s.name);
        break;
      case ParamSpec::Kind::kString: {
        if (!v.is_string()) return ErrorResponse(400, "must be a string", s.name);
        const std::string& text = v.get_ref<const std::string&>();
        if (text.empty() || text.size() > s.max_length)
          return ErrorResponse(400, "must be 1 to " + std::to_string(s.max_length) + " characters", s.name);
        if (!s.allowed.empty()) {
          bool ok = false;
          for (const std::string& a : s.allowed) ok = ok || a == text;
          if (!ok) return ErrorResponse(400, "must be " + OrList(s.allowed), s.name);
        }
        break;
      }
    }
  }
  return std::nullopt;
}

}  // namespace usdcop
