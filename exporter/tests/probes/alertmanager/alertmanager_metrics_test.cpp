// probes/alertmanager/alertmanager_metrics.cpp: the alertmanager probe's metrics, and its golden
// file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "support/golden.h"
#include "support/render_text.h"

namespace usdcop {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

AlertmanagerAlert Alert(const std::string& severity, const std::string& state) {
  AlertmanagerAlert a;
  a.severity = severity;
  a.state = state;
  return a;
}

TEST(AlertmanagerMetricsTest, NoAlertsStillPublishesCriticalAndWarningAtZero) {
  std::string text = RenderText(AlertmanagerResult{});
  EXPECT_THAT(text, HasSubstr("# TYPE usdcop_alerts_active gauge\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_alerts_active{severity=\"critical\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_alerts_active{severity=\"warning\"} 0\n"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4);  // HELP, TYPE and the two series
}

TEST(AlertmanagerMetricsTest, CountsOnlyActiveAlertsPerSeverity) {
  AlertmanagerResult r;
  r.alerts = {Alert("critical", "active"),     Alert("critical", "active"),
              Alert("critical", "suppressed"), Alert("warning", "suppressed"),
              Alert("warning", "unprocessed"), Alert("info", "active"),
              Alert("page", "suppressed"),     Alert("", "active")};
  std::string text = RenderText(r);
  EXPECT_THAT(text, HasSubstr("usdcop_alerts_active{severity=\"critical\"} 2\n"));
  EXPECT_THAT(
      text,
      HasSubstr("usdcop_alerts_active{severity=\"warning\"} 0\n"));  // silenced, not yet routed
  EXPECT_THAT(text, HasSubstr("usdcop_alerts_active{severity=\"info\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("usdcop_alerts_active{severity=\"page\"} 0\n"));    // seen, all suppressed
  EXPECT_THAT(text, HasSubstr("usdcop_alerts_active{severity=\"\"} 1\n"));  // no severity label
  EXPECT_THAT(text, Not(HasSubstr("usdcop_alerts_active{severity=\"none\"}")));
}

TEST(AlertmanagerMetricsTest, SeveritiesAreBoundedAndTheRestCountAsOther) {
  // Ten unusual severities and an over-long one: critical, warning, the first eight in name
  // order, and "other" for the rest, so at most 11 series whatever Alertmanager holds.
  AlertmanagerResult r;
  for (char c = 'a'; c <= 'j'; ++c) r.alerts.push_back(Alert(std::string("sev_") + c, "active"));
  r.alerts.push_back(Alert(std::string(65, 'x'), "active"));
  r.alerts.push_back(Alert(std::string(64, 'y'), "suppressed"));
  r.alerts.push_back(Alert("critical", "active"));
  std::string text = RenderText(r);
  EXPECT_THAT(text, HasSubstr("usdcop_alerts_active{severity=\"critical\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_alerts_active{severity=\"warning\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_alerts_active{severity=\"sev_a\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_alerts_active{severity=\"sev_h\"} 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("sev_i")));
  EXPECT_THAT(text, Not(HasSubstr(std::string(64, 'y'))));  // sorts after sev_*: past the cap
  EXPECT_THAT(text, Not(HasSubstr("xxxx")));
  // sev_i, sev_j and the 65-byte one are active; the 64-byte one is seen but suppressed.
  EXPECT_THAT(text, HasSubstr("usdcop_alerts_active{severity=\"other\"} 3\n"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2 + 11);
}

// -- The golden file: fixtures/alertmanager.prom (support/golden.h)
// ---------------------------------------

// Active and suppressed alerts of critical, a warning, an info alert that is silenced (its
// severity shows as 0) and one without a severity.
AlertmanagerResult GoldenAlertmanager() {
  auto alert = [](const char* name, const char* severity, const char* state) {
    AlertmanagerAlert a;
    a.fingerprint = std::string(name) + "-fp";
    a.alertname = name;
    a.severity = severity;
    a.state = state;
    a.starts_at = 1795525000;
    return a;
  };
  AlertmanagerResult r;
  r.alerts = {alert("L0DataStale", "critical", "active"),
              alert("PipelineLayerFailed", "critical", "suppressed"),
              alert("BackupTooOld", "warning", "active"),
              alert("VendorQuotaHigh", "info", "suppressed"), alert("Watchdog", "", "active")};
  r.receivers = std::vector<std::string>{"default"};
  return r;
}

const Golden kAlertmanagerGolden{"alertmanager", [] { return RenderText(GoldenAlertmanager()); }};
[[maybe_unused]] const bool kAlertmanagerGoldenRegistered = RegisterGolden(kAlertmanagerGolden);

TEST(AlertmanagerMetricsTest, MatchesItsGoldenFileAndTheContract) {
  ExpectGolden(kAlertmanagerGolden);
}

}  // namespace
}  // namespace usdcop
