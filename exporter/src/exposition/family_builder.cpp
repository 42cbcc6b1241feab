#include "exposition/family_builder.h"

#include <limits>

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

void FamilyBuilder::Histogram(const std::string& name, const std::string& help,
                              const Labels& labels,
                              const std::vector<std::pair<double, std::uint64_t>>& buckets,
                              std::uint64_t count, double sum) {
  prometheus::ClientMetric& m = Add(name, help, prometheus::MetricType::Histogram, labels);
  for (const auto& [bound, cumulative] : buckets) m.histogram.bucket.push_back({cumulative, bound});
  m.histogram.bucket.push_back({count, std::numeric_limits<double>::infinity()});
  m.histogram.sample_count = count;
  m.histogram.sample_sum = sum;
}

}  // namespace usdcop
