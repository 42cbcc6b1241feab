// The alert figures that Alertmanager's webhook and acknowledge-alert feed, with their label values
// bounded, whoever posts: an alertname is counted under its own name only when it looks like one
// (the metric-name shape [a-zA-Z_][a-zA-Z0-9_]*, at most 128 characters) and is one of the first
// 500 names seen, a severity only when it is one of the configured ones (control.alert_severities);
// everything else is counted under "other", never dropped. Figures kept by an earlier run are
// folded the same way when loaded, and again when the severities change. Not thread-safe
// (AlertLifecycle guards it).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "metrics/control_stats.h"

namespace usdcop {

class AlertFigures {
 public:
  static constexpr size_t kMaxAlertnames = 500;
  static constexpr size_t kMaxAlertnameLength = 128;
  static constexpr const char* kOther = "other";

  // What was counted under "other" since the last TakeFolded, with one example of each kind.
  struct Folded {
    std::uint64_t alertnames = 0;
    std::uint64_t severities = 0;
    std::string example_alertname;
    std::string example_severity;
  };

  AlertFigures();

  // The severities counted under their own name; the figures of any other move to "other". How
  // many series moved.
  size_t SetSeverities(std::vector<std::string> severities);
  void CountNotification(const std::string& alertname, const std::string& severity,
                         const std::string& status);
  void ObserveResolution(const std::string& severity, double seconds);
  void ObserveAcknowledgement(const std::string& severity, double seconds);

  // The figures as the state store keeps them, and back; Load folds what exceeds the bounds and
  // returns how many series it moved to "other".
  nlohmann::json ToJson() const;
  size_t Load(const nlohmann::json& j);

  // notifications, resolution and acknowledgement; requests left empty.
  const ControlStats& stats() const { return stats_; }
  const Folded& folded() const { return folded_; }
  Folded TakeFolded();

 private:
  std::string AlertnameLabel(
      const std::string& alertname);  // admits a new name while under the cap
  std::string SeverityLabel(const std::string& severity) const;
  // Applies the bounds to stats_ (figures of an earlier run, a changed severity list); how many
  // series moved to "other".
  size_t Fold();

  std::vector<std::string> severities_;
  std::set<std::string> alertnames_;  // the names counted under their own name
  ControlStats stats_;
  Folded folded_;
};

// True when `name` may be a label value of its own: [a-zA-Z_][a-zA-Z0-9_]*, 1 to 128 characters.
bool IsAlertName(const std::string& name);

}  // namespace usdcop
