#include "market/ingest_tracker.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace usdcop {

std::optional<double> IngestTracker::ReadFrom() const {
  if (!watermark_) return std::nullopt;
  return *watermark_ - lookback_;
}

std::vector<BarRow> IngestTracker::Observe(const std::vector<BarRow>& rows) {
  const bool baseline = !watermark_;
  const std::optional<double> from = ReadFrom();
  std::map<Fingerprint, std::vector<const BarRow*>> read;
  for (const BarRow& r : rows)
    if (!from || r.mark > *from) read[{r.mark, r.time}].push_back(&r);
  std::vector<BarRow> fresh;
  for (const auto& [fp, group] : read) {
    auto seen = recent_.find(fp);
    size_t already = seen == recent_.end() ? 0 : static_cast<size_t>(seen->second);
    if (!baseline)
      for (size_t i = already; i < group.size(); ++i) fresh.push_back(*group[i]);
    recent_[fp] = static_cast<int>(std::max(already, group.size()));
  }
  for (const BarRow& r : rows) watermark_ = std::max(watermark_.value_or(r.mark), r.mark);
  Forget();
  std::sort(fresh.begin(), fresh.end(),
            [](const BarRow& a, const BarRow& b) { return a.mark < b.mark; });
  return fresh;
}

void IngestTracker::Forget() {
  if (!watermark_) return;
  recent_.erase(recent_.begin(), recent_.lower_bound({*watermark_ - lookback_, -1e300}));
}

std::string IngestTracker::ToJson() const {
  nlohmann::json recent = nlohmann::json::array();
  for (const auto& [fp, n] : recent_) recent.push_back({fp.first, fp.second, n});
  nlohmann::json j{{"recent", recent}};
  if (watermark_) j["watermark"] = *watermark_;
  return j.dump();
}

bool IngestTracker::FromJson(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("recent") || !j["recent"].is_array()) return false;
  std::map<Fingerprint, int> recent;
  for (const auto& e : j["recent"]) {
    if (!e.is_array() || e.size() != 3 || !e[0].is_number() || !e[1].is_number() ||
        !e[2].is_number_integer())
      return false;
    recent[{e[0].get<double>(), e[1].get<double>()}] = e[2].get<int>();
  }
  recent_ = std::move(recent);
  watermark_ = j.contains("watermark") && j["watermark"].is_number()
                   ? std::optional(j["watermark"].get<double>())
                   : std::nullopt;
  return true;
}

}  // namespace usdcop
