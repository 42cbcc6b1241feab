#include "metrics/family_builder.h"

namespace usdcop {

prometheus::ClientMetric& FamilyBuilder::Add(const std::string& name, const std::string& help,
                                             prometheus::MetricType type, const Labels& labels) {
  auto [it, inserted] = index_.try_emplace(name, families_.size());
  if (inserted) families_.push_back(prometheus::MetricFamily{name, help, type, {}});
  prometheus::MetricFamily& family = families_[it->second];
  prometheus::ClientMetric& m = family.metric.emplace_back();
  for (const auto& [k, v] : labels) m.label.push_back({k, v});
  return m;
}

void FamilyBuilder::Gauge(const std::string& name, const std::string& help, const Labels& labels,
                          double value) {
  Add(name, help, prometheus::MetricType::Gauge, labels).gauge.value = value;
}

void FamilyBuilder::Counter(const std::string& name, const std::string& help, const Labels& labels,
                            double value) {
  Add(name, help, prometheus::MetricType::Counter, labels).counter.value = value;
}

}  // namespace usdcop
