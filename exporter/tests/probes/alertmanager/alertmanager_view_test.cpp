// probes/alertmanager/alertmanager_view.cpp: the alerts as the control API shows them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "probes/alertmanager/alertmanager_kind.h"

namespace usdcop {
namespace {

using nlohmann::json;

constexpr double kNow = 1'700'000'000;

TEST(AlertmanagerViewTest, AlertmanagerViewListsAtMost200AlertsAndCountsAll) {
  AlertmanagerResult am;
  for (int i = 0; i < 250; ++i)
    am.alerts.push_back(AlertmanagerAlert{.fingerprint = std::to_string(i),
                                          .alertname = "L0DataStale",
                                          .severity = i % 2 ? "critical" : "",
                                          .state = "active",
                                          .starts_at = kNow - 10});
  am.receivers = std::vector<std::string>{"slack"};
  const json v = AlertmanagerKind::View(am, kNow);
  EXPECT_EQ(v["alerts"].size(), 200u);
  EXPECT_EQ(v["counts"]["active"]["critical"], 125);
  EXPECT_EQ(v["counts"]["active"]["none"], 125);
  EXPECT_EQ(v["alerts"][0]["firing_seconds"], 10);
  EXPECT_EQ(v["receivers"], json({"slack"}));
  EXPECT_FALSE(v.contains("cluster"));
}

}  // namespace
}  // namespace usdcop
