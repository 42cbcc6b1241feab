// The metric contract's checker (support/contract.h) finds what it must, and the repository's
// contract file follows the naming rules of the design.
#include "support/contract.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace usdcop::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

MetricContract Small() {
  std::string error;
  auto c = MetricContract::Parse(R"(metrics:
  - {name: usdcop_x_up, type: gauge, labels: [layer], spec: design}
  - {name: usdcop_x_runs_total, type: counter, labels: [layer, state], spec: project}
  - {name: usdcop_x_latency_seconds, type: histogram, labels: [symbol], spec: design}
  - {name: process_open_fds, type: gauge, labels: [], spec: standard}
)",
                                 &error);
  EXPECT_TRUE(c) << error;
  return c.value_or(MetricContract());
}

const char* kGood =
    "# HELP usdcop_x_up Up.\n"
    "# TYPE usdcop_x_up gauge\n"
    "usdcop_x_up{layer=\"L0\"} 1\n"
    "usdcop_x_up{layer=\"\"} 0\n"
    "# TYPE usdcop_x_runs_total counter\n"
    "usdcop_x_runs_total{state=\"failed\",layer=\"L0\"} 2\n"
    "# TYPE usdcop_x_latency_seconds histogram\n"
    "usdcop_x_latency_seconds_count{symbol=\"USD/COP\"} 1\n"
    "usdcop_x_latency_seconds_sum{symbol=\"USD/COP\"} 0.5\n"
    "usdcop_x_latency_seconds_bucket{symbol=\"USD/COP\",le=\"1\"} 1\n"
    "usdcop_x_latency_seconds_bucket{symbol=\"USD/COP\",le=\"+Inf\"} 1\n"
    "# TYPE process_open_fds gauge\n"
    "process_open_fds 12\n";

TEST(Contract, AnExpositionThatKeepsTheContractHasNoFindings) {
  EXPECT_THAT(Small().Check(kGood, {"usdcop_x_", "process_"}), IsEmpty());
}

TEST(Contract, FindsAFamilyTheContractDoesNotList) {
  auto findings =
      Small().Check(std::string(kGood) + "# TYPE usdcop_x_stray gauge\nusdcop_x_stray 1\n");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_THAT(findings[0], HasSubstr("usdcop_x_stray: not in the metric contract"));
}

TEST(Contract, FindsATypeThatDiffers) {
  auto findings = Small().Check("# TYPE usdcop_x_up counter\nusdcop_x_up{layer=\"L0\"} 1\n");
  EXPECT_THAT(findings, ElementsAre("usdcop_x_up: type counter, the contract says gauge"));
}

TEST(Contract, FindsALabelMissingOrAdded) {
  auto missing =
      Small().Check("# TYPE usdcop_x_runs_total counter\nusdcop_x_runs_total{layer=\"L0\"} 1\n");
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_THAT(missing[0],
              HasSubstr("usdcop_x_runs_total: labels {layer}, the contract says {layer, state}"));
  auto added =
      Small().Check("# TYPE usdcop_x_up gauge\nusdcop_x_up{layer=\"L0\",dag_id=\"d\"} 1\n");
  ASSERT_EQ(added.size(), 1u);
  EXPECT_THAT(added[0], HasSubstr("labels {dag_id, layer}, the contract says {layer}"));
  // A histogram's buckets without `le`, or its count with it.
  auto bucket = Small().Check(
      "# TYPE usdcop_x_latency_seconds histogram\nusdcop_x_latency_seconds_bucket{symbol=\"s\"} "
      "1\n");
  EXPECT_EQ(bucket.size(), 1u);
  auto count = Small().Check(
      "# TYPE usdcop_x_latency_seconds "
      "histogram\nusdcop_x_latency_seconds_count{symbol=\"s\",le=\"1\"} 1\n");
  EXPECT_EQ(count.size(), 1u);
}

TEST(Contract, FindsSeriesWithoutATypeTwiceOrUnparsable) {
  EXPECT_THAT(Small().Check("usdcop_x_up{layer=\"L0\"} 1\n"),
              ElementsAre("usdcop_x_up: a series without a TYPE line"));
  EXPECT_THAT(
      Small().Check(
          "# TYPE usdcop_x_up gauge\nusdcop_x_up{layer=\"L0\"} 1\nusdcop_x_up{layer=\"L0\"} 2\n"),
      ElementsAre("series given twice: usdcop_x_up{layer=\"L0\"} 2"));
  EXPECT_THAT(Small().Check("# TYPE usdcop_x_up gauge\nusdcop_x_up{layer=\"L0} 1\n"),
              ElementsAre("line 2 does not parse: usdcop_x_up{layer=\"L0} 1"));
  // A _count of a gauge is no histogram series.
  EXPECT_THAT(Small().Check("# TYPE usdcop_x_up gauge\nusdcop_x_up_count{layer=\"L0\"} 1\n"),
              ElementsAre("usdcop_x_up_count: a series without a TYPE line"));
}

TEST(Contract, ARequiredPrefixFindsTheContractsAbsentMetrics) {
  const std::string only_up = "# TYPE usdcop_x_up gauge\nusdcop_x_up{layer=\"L0\"} 1\n";
  EXPECT_THAT(Small().Check(only_up, {"usdcop_x_up"}), IsEmpty());
  EXPECT_THAT(Small().Check(only_up, {"usdcop_x_"}),
              ElementsAre("usdcop_x_runs_total: in the contract but absent",
                          "usdcop_x_latency_seconds: in the contract but absent"));
  EXPECT_THAT(Small().Check(only_up, {"usdcop_nothing_"}),
              ElementsAre("no metric of the contract starts with usdcop_nothing_"));
}

TEST(Contract, ParsesLabelValuesWithEscapes) {
  auto s = ParseSampleLine(R"(usdcop_x_up{layer="a\"b\\c\nd",x="",} 1.5 1700000000000)");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "usdcop_x_up");
  EXPECT_THAT(s->labels, ElementsAre(std::pair<std::string, std::string>{"layer", "a\"b\\c\nd"},
                                     std::pair<std::string, std::string>{"x", ""}));
  EXPECT_EQ(s->value, "1.5");
  EXPECT_FALSE(ParseSampleLine("usdcop_x_up{layer=\"a\"}"));  // no value
  EXPECT_FALSE(ParseSampleLine("usdcop_x_up{layer=a} 1"));
  EXPECT_FALSE(ParseSampleLine("9usdcop 1"));
}

TEST(Contract, AMalformedContractIsRefusedWithItsReason) {
  struct Case {
    const char* yaml;
    const char* says;
  };
  const Case cases[] = {
      {"metric: []", "no `metrics` list"},
      {"metrics:\n  - {name: a_b, type: gauge, labels: []}",
       "lacks one of name, type, labels, spec"},
      {"metrics:\n  - {name: a_b, type: gauges, labels: [], spec: design}",
       "a_b: unknown type `gauges`"},
      {"metrics:\n  - {name: a_b, type: gauge, labels: [], spec: mine}",
       "a_b: unknown spec `mine`"},
      {"metrics:\n  - {name: a_b, type: gauge, labels: [x, x], spec: design}",
       "label `x` listed twice"},
      {"metrics:\n  - {name: a_b, type: gauge, labels: [le], spec: design}",
       "`le` is not a label name"},
      {"metrics:\n  - {name: a-b, type: gauge, labels: [], spec: design}",
       "`a-b` is not a metric name"},
      {"metrics:\n  - {name: a_b, type: gauge, labels: [], spec: design, help: x}",
       "unknown key `help`"},
      {"metrics:\n  - {name: a_b, type: gauge, labels: [], spec: design}\n"
       "  - {name: a_b, type: gauge, labels: [], spec: design}",
       "a_b is listed twice"},
  };
  for (const Case& c : cases) {
    std::string error;
    EXPECT_FALSE(MetricContract::Parse(c.yaml, &error)) << c.yaml;
    EXPECT_THAT(error, HasSubstr(c.says)) << c.yaml;
  }
}

// The design's naming rules: prefix usdcop_ (process_* for the standard ones), counters end in
// _total and nothing else does, units in names.
TEST(Contract, TheRepositoryContractFollowsTheNamingRules) {
  const MetricContract& contract = MetricContract::Repository();
  EXPECT_GE(contract.metrics().size(), 60u);
  for (const ContractMetric& m : contract.metrics()) {
    const bool total = m.name.size() > 6 && m.name.substr(m.name.size() - 6) == "_total";
    EXPECT_EQ(total, m.type == "counter") << m.name;
    if (m.spec == "standard")
      EXPECT_EQ(m.name.rfind("process_", 0), 0u) << m.name;
    else
      EXPECT_EQ(m.name.rfind("usdcop_", 0), 0u) << m.name;
    EXPECT_EQ(m.name.find("_milliseconds"), std::string::npos) << m.name;
  }
}

}  // namespace
}  // namespace usdcop::testing
