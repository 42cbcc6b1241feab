// exposition/family_builder.cpp: families in the order first named, one per name, as exposition
// text.
#include "exposition/family_builder.h"

#include <gtest/gtest.h>

#include "support/render_text.h"

namespace usdcop {
namespace {

TEST(FamilyBuilder, OneFamilyPerNameInTheOrderFirstNamed) {
  const std::string text = TextOf([](FamilyBuilder& out) {
    out.Gauge("b_gauge", "B.", {{"x", "1"}}, 1.5);
    out.Counter("a_total", "A.", {}, 3);
    out.Gauge("b_gauge", "ignored: the first help stays", {{"x", "2"}}, 2);
  });
  EXPECT_EQ(text,
            "# HELP b_gauge B.\n"
            "# TYPE b_gauge gauge\n"
            "b_gauge{x=\"1\"} 1.5\n"
            "b_gauge{x=\"2\"} 2\n"
            "# HELP a_total A.\n"
            "# TYPE a_total counter\n"
            "a_total 3\n");
}

TEST(FamilyBuilder, AHistogramGetsItsInfBucketFromTheCount) {
  const std::string text = TextOf([](FamilyBuilder& out) {
    out.Histogram("h_seconds", "H.", {{"severity", "critical"}}, {{1, 2}, {10, 5}}, 7, 42.5);
  });
  EXPECT_EQ(text,
            "# HELP h_seconds H.\n"
            "# TYPE h_seconds histogram\n"
            "h_seconds_count{severity=\"critical\"} 7\n"
            "h_seconds_sum{severity=\"critical\"} 42.5\n"
            "h_seconds_bucket{severity=\"critical\",le=\"1\"} 2\n"
            "h_seconds_bucket{severity=\"critical\",le=\"10\"} 5\n"
            "h_seconds_bucket{severity=\"critical\",le=\"+Inf\"} 7\n");
}

TEST(FamilyBuilder, TakeEmptiesIt) {
  FamilyBuilder out;
  out.Gauge("g", "G.", {}, 1);
  EXPECT_EQ(out.Take().size(), 1u);
  EXPECT_TRUE(out.Take().empty());
}

}  // namespace
}  // namespace usdcop
