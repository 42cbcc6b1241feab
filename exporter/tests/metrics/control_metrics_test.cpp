#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/render_text.h"

namespace usdcop {
namespace {

using ::testing::HasSubstr;

std::string Text(const ControlStats& stats) {
  return TextOf([&](FamilyBuilder& out) { RenderControl(stats, out); });
}

// Before any alert resolved or was acknowledged, both histograms exist for critical and warning
// at zero, so that increase() over the first observation counts it (MTTR panels, rules).
TEST(ControlMetricsTest, AlertHistogramsStartAtZeroForCriticalAndWarning) {
  const std::string text = Text({});
  for (const char* name :
       {"usdcop_alert_resolution_seconds", "usdcop_alert_acknowledgement_seconds"})
    for (const char* severity : {"critical", "warning"}) {
      const std::string labels = std::string("{severity=\"") + severity + "\"}";
      EXPECT_THAT(text, HasSubstr(std::string(name) + "_count" + labels + " 0\n"))
          << name << labels;
      EXPECT_THAT(text, HasSubstr(std::string(name) + "_sum" + labels + " 0\n")) << name << labels;
    }
}

TEST(ControlMetricsTest, ObservationsAddToTheirSeverityAndOthersAppearWithTheirFirst) {
  ControlStats stats;
  stats.resolution["critical"].Observe(45);
  stats.resolution["info"].Observe(700);
  const std::string text = Text(stats);
  EXPECT_THAT(
      text,
      HasSubstr("usdcop_alert_resolution_seconds_bucket{severity=\"critical\",le=\"30\"} 0\n"));
  EXPECT_THAT(
      text,
      HasSubstr("usdcop_alert_resolution_seconds_bucket{severity=\"critical\",le=\"60\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_alert_resolution_seconds_count{severity=\"critical\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_alert_resolution_seconds_count{severity=\"warning\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_alert_resolution_seconds_count{severity=\"info\"} 1\n"));
}

}  // namespace
}  // namespace usdcop
