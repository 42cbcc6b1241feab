// The fields an action takes, and the check of a request body against them: every problem is a
// 400 naming the field and what would be valid.
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
  std::vector<std::string> allowed;  // kString: the valid values; empty = any non-empty text
  size_t max_length = 256;
};

// A 400 answer for the first field of `params` that does not fit `specs` (unknown fields too),
// or nullopt when they all fit.
std::optional<ControlResponse> CheckParams(const nlohmann::json& params, const std::vector<ParamSpec>& specs);

// "a, b or c".
std::string OrList(const std::vector<std::string>& words);

}  // namespace usdcop
