// metrics/http_metrics.cpp: the HTTP ports' connections and every rejection reason from zero.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "support/render_text.h"

namespace usdcop {
namespace {

using ::testing::HasSubstr;

TEST(HttpMetricsTest, EachPortsConnectionsAndEveryReasonOfEachPort) {
  HttpServerStats metrics{"metrics", 3, {}};
  metrics.rejected[static_cast<size_t>(HttpReject::kTooLarge)] = 2;
  HttpServerStats control{"control", 1, {}};
  const std::string text = TextOf([&](FamilyBuilder& out) {
    RenderHttpStats({metrics, control}, out);
  });
  EXPECT_THAT(text, HasSubstr("usdcop_http_connections{port=\"metrics\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("usdcop_http_connections{port=\"control\"} 1\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "usdcop_http_connections_rejected_total{port=\"metrics\",reason=\"too_large\"} 2\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "usdcop_http_connections_rejected_total{port=\"control\",reason=\"write_timeout\"} 0\n"));
  const auto series =
      std::count(text.begin(), text.end(), '\n') - 4;  // less two HELP and two TYPE lines
  EXPECT_EQ(series, static_cast<long>(2 + 2 * kAllHttpRejects.size()));
  EXPECT_EQ(TextOf([](FamilyBuilder& out) { RenderHttpStats({}, out); }), "")
      << "no port, no family";
}

}  // namespace
}  // namespace usdcop
