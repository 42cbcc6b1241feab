// control/alert_figures.cpp: the alert figures with their label values bounded, their folding
// into "other", and their round trip through the state store's JSON.
#include "control/alert_figures.h"

#include <gtest/gtest.h>

#include <string>

namespace usdcop {
namespace {

using Key = std::tuple<std::string, std::string, std::string>;

TEST(IsAlertName, TheMetricNameShapeUpTo128Characters) {
  EXPECT_TRUE(IsAlertName("L0DataStale"));
  EXPECT_TRUE(IsAlertName("_x9"));
  EXPECT_TRUE(IsAlertName(std::string(128, 'a')));
  EXPECT_FALSE(IsAlertName(std::string(129, 'a')));
  EXPECT_FALSE(IsAlertName(""));
  EXPECT_FALSE(IsAlertName("9lives"));
  EXPECT_FALSE(IsAlertName("has space"));
  EXPECT_FALSE(IsAlertName("dash-ed"));
}

TEST(AlertFigures, NamesAndSeveritiesOutsideTheirBoundsAreCountedAsOther) {
  AlertFigures f;
  f.CountNotification("L0DataStale", "critical", "firing");
  f.CountNotification("bad name!", "warning", "firing");
  f.CountNotification("L0DataStale", "page", "resolved");
  f.CountNotification("L0DataStale", "", "firing");
  const auto& n = f.stats().notifications;
  EXPECT_EQ(n.at(Key{"L0DataStale", "critical", "firing"}), 1u);
  EXPECT_EQ(n.at(Key{"other", "warning", "firing"}), 1u);
  EXPECT_EQ(n.at(Key{"L0DataStale", "other", "resolved"}), 1u);
  EXPECT_EQ(n.at(Key{"L0DataStale", "other", "firing"}), 1u);
  AlertFigures::Folded folded = f.TakeFolded();
  EXPECT_EQ(folded.alertnames, 1u);
  EXPECT_EQ(folded.severities, 2u);
  EXPECT_EQ(folded.example_alertname, "bad name!");
  EXPECT_EQ(folded.example_severity, "page");
  EXPECT_EQ(f.folded().alertnames, 0u) << "taken";
}

TEST(AlertFigures, OnlyTheFirst500NamesAreCountedUnderTheirOwnName) {
  AlertFigures f;
  for (size_t i = 0; i < AlertFigures::kMaxAlertnames; ++i)
    f.CountNotification("A" + std::to_string(i), "info", "firing");
  f.CountNotification("Late", "info", "firing");
  f.CountNotification("A0", "info", "firing");
  EXPECT_EQ(f.stats().notifications.count(Key{"Late", "info", "firing"}), 0u);
  EXPECT_EQ(f.stats().notifications.at(Key{"other", "info", "firing"}), 1u);
  EXPECT_EQ(f.stats().notifications.at(Key{"A0", "info", "firing"}), 2u)
      << "a known name keeps counting";
}

TEST(AlertFigures, ChangingTheSeveritiesFoldsTheFiguresOfTheOthers) {
  AlertFigures f;
  f.CountNotification("X", "warning", "firing");
  f.CountNotification("X", "critical", "firing");
  f.ObserveResolution("warning", 100);
  f.ObserveResolution("critical", 200);
  f.ObserveAcknowledgement("info", 50);
  EXPECT_EQ(f.SetSeverities({"critical", "warning", "info"}), 0u) << "the same list: nothing moves";
  EXPECT_EQ(f.SetSeverities({"critical"}),
            3u);  // warning's notification and resolution, info's acknowledgement
  EXPECT_EQ(f.stats().notifications.at(Key{"X", "other", "firing"}), 1u);
  EXPECT_EQ(f.stats().resolution.at("other").count, 1u);
  EXPECT_EQ(f.stats().resolution.at("critical").sum, 200);
  EXPECT_EQ(f.stats().acknowledgement.count("info"), 0u);
  f.ObserveResolution("warning", 1);
  EXPECT_EQ(f.stats().resolution.at("other").count, 2u);
}

TEST(AlertFigures, ARoundTripThroughJsonKeepsEveryFigure) {
  AlertFigures f;
  f.CountNotification("X", "critical", "firing");
  f.CountNotification("X", "critical", "firing");
  f.CountNotification("Y", "warning", "resolved");
  f.ObserveResolution("critical", 450);
  f.ObserveAcknowledgement("warning", 30);
  AlertFigures g;
  EXPECT_EQ(g.Load(f.ToJson()), 0u);
  EXPECT_EQ(g.stats().notifications, f.stats().notifications);
  EXPECT_EQ(g.stats().resolution.at("critical").count, 1u);
  EXPECT_EQ(g.stats().resolution.at("critical").sum, 450);
  EXPECT_EQ(g.stats().resolution.at("critical").counts, f.stats().resolution.at("critical").counts);
  EXPECT_EQ(g.stats().acknowledgement.at("warning").sum, 30);
  EXPECT_EQ(g.ToJson(), f.ToJson());
}

TEST(AlertFigures, LoadSkipsMalformedEntriesAndFoldsWhatIsOverTheBounds) {
  AlertFigures f;
  // Parsed from text, as the state store reads it: counts are unsigned numbers there (a literal 3
  // in C++ makes a signed one, which Load skips as it skips the -1).
  const nlohmann::json stored = nlohmann::json::parse(R"({
      "notifications": [["X", "critical", "firing", 3], ["bad name", "critical", "firing", 2],
                        ["X", "sev9", "firing", 1], ["X", "critical"], ["X", "critical", "firing", -1], "junk"],
      "resolution": {"critical": {"counts": [1, 2], "count": 1, "sum": 5}}})");
  EXPECT_EQ(f.Load(stored), 2u);
  const auto& n = f.stats().notifications;
  EXPECT_EQ(n.size(), 3u);
  EXPECT_EQ(n.at(Key{"X", "critical", "firing"}), 3u);
  EXPECT_EQ(n.at(Key{"other", "critical", "firing"}), 2u);
  EXPECT_EQ(n.at(Key{"X", "other", "firing"}), 1u);
  EXPECT_EQ(f.stats().resolution.at("critical").count, 1u)
      << "a wrong number of buckets keeps count and sum";
  EXPECT_EQ(f.Load(nlohmann::json::array()), 0u);
}

}  // namespace
}  // namespace usdcop
