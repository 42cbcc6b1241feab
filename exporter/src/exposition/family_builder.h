// Collects prometheus-cpp MetricFamily values in the order they are first named, one family
// per name. Used only while rendering; not thread-safe.
#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace usdcop {

using Labels = std::vector<std::pair<std::string, std::string>>;

class FamilyBuilder {
 public:
  void Gauge(const std::string& name, const std::string& help, const Labels& labels, double value);
  void Counter(const std::string& name, const std::string& help, const Labels& labels,
               double value);
  // Buckets as (upper bound, cumulative count); the +Inf bucket is added from `count`.
  void Histogram(const std::string& name, const std::string& help, const Labels& labels,
                 const std::vector<std::pair<double, std::uint64_t>>& buckets, std::uint64_t count,
                 double sum);
  std::vector<prometheus::MetricFamily> Take() { return std::move(families_); }

 private:
  prometheus::ClientMetric& Add(const std::string& name, const std::string& help,
                                prometheus::MetricType type, const Labels& labels);
  std::vector<prometheus::MetricFamily> families_;
  std::map<std::string, size_t> index_;
};

}  // namespace usdcop
