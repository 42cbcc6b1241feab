// What the probes' views (probes/<name>/<name>_view.cpp) share: optional figures as JSON null.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

namespace usdcop::view_json {

inline nlohmann::json Opt(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

template <typename T>
nlohmann::json OptInt(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json();
}

// now - t, in seconds; null when t is unknown.
inline nlohmann::json AgeOf(const std::optional<double>& t, double now) {
  return t ? nlohmann::json(now - *t) : nlohmann::json();
}

}  // namespace usdcop::view_json
