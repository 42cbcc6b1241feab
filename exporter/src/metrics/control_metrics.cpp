#include "metrics/render.h"

namespace usdcop {
namespace {

// The severities of the alerting spec are always present, from zero observations: a series that
// appears with its first observation already at 1 is one increase() and rate() cannot count.
constexpr const char* kAlwaysSeverities[] = {"critical", "warning"};

void RenderHistograms(std::map<std::string, SecondsHistogram> by_severity, const std::string& name,
                      const std::string& help, FamilyBuilder& out) {
  for (const char* severity : kAlwaysSeverities) by_severity.try_emplace(severity);
  for (const auto& [severity, h] : by_severity) {
    std::vector<std::pair<double, std::uint64_t>> buckets;
    for (size_t i = 0; i < std::size(SecondsHistogram::kBounds); ++i)
      buckets.emplace_back(SecondsHistogram::kBounds[i], h.counts[i]);
    out.Histogram(name, help, {{"severity", severity}}, buckets, h.count, h.sum);
  }
}

}  // namespace

void RenderControl(const ControlStats& stats, FamilyBuilder& out) {
  for (const auto& [labels, n] : stats.requests)
    out.Counter("usdcop_control_requests_total",
                "Requests to the control API by endpoint (\"other\" for unknown paths), method and "
                "HTTP status.",
                {{"endpoint", std::get<0>(labels)},
                 {"method", std::get<1>(labels)},
                 {"code", std::to_string(std::get<2>(labels))}},
                static_cast<double>(n));
  for (const auto& [labels, n] : stats.notifications)
    out.Counter("usdcop_alert_notifications_received_total",
                "Alerts received from Alertmanager's webhook, by alert name, severity and status "
                "(firing, resolved); "
                "kept across restarts. Names that are not metric-style or beyond the first 500, "
                "and severities not in "
                "control.alert_severities, count as \"other\".",
                {{"alertname", std::get<0>(labels)},
                 {"severity", std::get<1>(labels)},
                 {"status", std::get<2>(labels)}},
                static_cast<double>(n));
  RenderHistograms(
      stats.resolution, "usdcop_alert_resolution_seconds",
      "Time from an alert's start to its resolution, as the webhook reported them (MTTR).", out);
  RenderHistograms(stats.acknowledgement, "usdcop_alert_acknowledgement_seconds",
                   "Time from an alert's start to its acknowledgement through the control API.",
                   out);
}

}  // namespace usdcop
