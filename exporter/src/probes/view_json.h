// What the probes' views (probes/<name>/<name>_view.cpp) share: optional figures as JSON null.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

namespace usdcop::view_json {

inline nlohmann::json Opt(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json();
}

template <typename T>
nlohmann::json OptInt(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json();
}

// now - t, in seconds; null when t is unknown.
inline nlohmann::json AgeOf(const std::optional<double>& t, double now) {
  return t ? nlohmann::json(now - *t) : nlohmann::json();
}

// item_json(item) for each item, as a JSON array ([] when there are none).
template <class Items, class F>
nlohmann::json ArrayOf(const Items& items, F item_json) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& item : items) out.push_back(item_json(item));
  return out;
}

}  // namespace usdcop::view_json
