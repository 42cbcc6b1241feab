// What the control API and the alert webhook counted, as the metrics renderer reads it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace usdcop {

// A histogram of durations in seconds with fixed bounds (alert response times).
struct SecondsHistogram {
  static constexpr double kBounds[] = {30,   60,   120,  300,   600,   900,
                                       1800, 3600, 7200, 14400, 43200, 86400};
  std::vector<std::uint64_t> counts =
      std::vector<std::uint64_t>(std::size(kBounds), 0);  // cumulative: observations <= each bound
  std::uint64_t count = 0;
  double sum = 0;
  void Observe(double seconds);
};

struct ControlStats {
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t>
      requests;  // (endpoint, method, code)
  std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t>
      notifications;                                        // (alertname, severity, status)
  std::map<std::string, SecondsHistogram> resolution;       // by severity: fired to resolved
  std::map<std::string, SecondsHistogram> acknowledgement;  // by severity: fired to acknowledged
};

}  // namespace usdcop
