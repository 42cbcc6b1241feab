// The fields an action takes, and the check of a request body against them: every problem is a
// 400 naming the field and what would be valid. The check also normalises the body, so that an
// action sees one spelling only: a field given under an alias is renamed to its name, and a value
// of `allowed` given in another case takes the spelling listed (`{"component": "l0"}` becomes
// `{"layer": "L0"}`).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "control/api_types.h"

namespace usdcop {

struct ParamSpec {
  enum class Kind { kString, kDuration, kBool, kInteger };
  std::string name;
  Kind kind = Kind::kString;
  bool required = false;
  // kString: the valid values, matched ignoring case; empty = any non-empty text.
  std::vector<std::string> allowed;
  size_t max_length = 256;
  // Other names the field is taken under (the replaced system's scripts say `component` for
  // `layer`). An alias may belong to several fields: its value goes to the first of them whose
  // pattern it matches (`alertId`: a fingerprint when it looks like one, else an alertname).
  std::vector<std::string> aliases;
  // kString: an ECMAScript regex the whole text must match ("" = any), and what it means for the
  // 400.
  std::string pattern;
  std::string pattern_says;
};

// Checks `params` against `specs` and normalises it in place (aliases renamed, allowed values
// spelled as listed). A 400 answer for the first field that does not fit (unknown fields too, and
// a field given under two of its names), naming the field as the request gave it; nullopt when
// they all fit. `params` is left part-normalised on a 400.
std::optional<ControlResponse> CheckParams(nlohmann::json& params,
                                           const std::vector<ParamSpec>& specs);

// "a, b or c".
std::string OrList(const std::vector<std::string>& words);

}  // namespace usdcop
