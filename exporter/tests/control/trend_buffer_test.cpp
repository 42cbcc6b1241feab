// control/trend_buffer.cpp: the status page's ring of recent samples, fed with records at
// chosen times (the records carry their own time; nothing here sleeps).
#include "control/trend_buffer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "probes/probe_kinds.h"

namespace usdcop {
namespace {

using nlohmann::json;

constexpr double kT0 = 1796259000;  // a multiple of 60: a step's start

std::shared_ptr<const ProbeRecord> Rec(const std::string& name, double t, ProbeResult result,
                                       bool success = true) {
  auto r = std::make_shared<ProbeRecord>();
  r->name = name;
  r->has_run = true;
  r->success = success;
  r->last_run_timestamp = t;
  r->result = std::make_shared<const ProbeResult>(std::move(result));
  return r;
}

std::shared_ptr<const ProbeRecord> Pipeline(double t, double records, bool success = true) {
  LayerResult l0;
  l0.layer = "L0";
  l0.records = records;
  LayerResult l1;  // no records source: no series
  l1.layer = "L1";
  return Rec("pipeline", t, PipelineResult{{l0, l1}, std::nullopt}, success);
}

std::shared_ptr<const ProbeRecord> Clients(double t, double clients, bool success = true) {
  WebSocketResult w;
  w.up = true;
  w.connected_clients = clients;
  return Rec("websocket", t, w, success);
}

LatencyHistogram Histogram(std::initializer_list<double> observations) {
  LatencyHistogram h;
  for (double v : observations) h.Observe(v);
  return h;
}

std::shared_ptr<const ProbeRecord> Market(double t, LatencyHistogram latency,
                                          double completeness_observed = 60) {
  SymbolResult s;
  s.symbol = "USD/COP";
  WindowStats w;
  w.window = "session";
  w.expected = 60;
  w.observed = static_cast<std::int64_t>(completeness_observed);
  s.windows = {w};
  s.counters_known = true;
  s.ingest_latency = std::move(latency);
  return Rec("market_data", t, MarketDataResult{{s}});
}

// A copy of the series named `name`; null when there is none.
json SeriesOf(const json& trends, const std::string& name) {
  for (const json& s : trends["series"])
    if (s["name"] == name) return s;
  return json();
}

class TrendBufferTest : public ::testing::Test {
 protected:
  Logger log_{LogLevel::kError};
  TrendBuffer trends_{log_};
};

TEST_F(TrendBufferTest, OneSamplePerStepFromTheNewestResultAtItsEnd) {
  trends_.Observe(Clients(kT0 + 5, 1));
  trends_.Observe(Clients(kT0 + 50, 3));  // the newest of step 0
  EXPECT_EQ(trends_.Json()["series"], json::array()) << "no step has ended yet";
  trends_.Observe(Clients(kT0 + 65, 4));   // step 1: closes step 0
  trends_.Observe(Clients(kT0 + 185, 7));  // step 3: closes 1 and 2, both from the 4
  const json t = trends_.Json();
  EXPECT_EQ(t["step_seconds"], 60);
  EXPECT_EQ(t["span_seconds"], 60 * 360);
  const json clients = SeriesOf(t, "websocket_clients");
  ASSERT_TRUE(clients.is_object()) << t.dump();
  EXPECT_EQ(clients.at("labels"), json::object());
  EXPECT_EQ(clients.at("points"),
            json::parse("[[1796259060, 3], [1796259120, 4], [1796259180, 4]]"));
}

TEST_F(TrendBufferTest, AFailedRunIsANullPoint) {
  trends_.Observe(Clients(kT0 + 5, 2));
  trends_.Observe(Clients(kT0 + 65, 9, false));  // failed: its step has no value
  trends_.Observe(Clients(kT0 + 125, 5));
  trends_.Observe(Clients(kT0 + 185, 5));
  const json clients = SeriesOf(trends_.Json(), "websocket_clients");
  ASSERT_TRUE(clients.is_object());
  EXPECT_EQ(clients.at("points"),
            json::parse("[[1796259060, 2], [1796259120, null], [1796259180, 5]]"));
}

TEST_F(TrendBufferTest, TheRingWrapsAt360Points) {
  for (int i = 0; i <= 400; ++i) trends_.Observe(Clients(kT0 + 60 * i + 1, i));
  const json clients = SeriesOf(trends_.Json(), "websocket_clients");
  ASSERT_TRUE(clients.is_object());
  const json& points = clients.at("points");
  ASSERT_EQ(points.size(), 360u);
  // Steps 40..399 are kept: oldest first, each with its own value.
  EXPECT_EQ(points.front(), json::array({kT0 + 60 * 41, 40}));
  EXPECT_EQ(points.back(), json::array({kT0 + 60 * 400, 399}));
  for (size_t i = 1; i < points.size(); ++i)
    ASSERT_EQ(points[i][0].get<double>() - points[i - 1][0].get<double>(), 60) << i;
}

TEST_F(TrendBufferTest, AGapLongerThanTheRingLeavesOnlyItsLastSteps) {
  trends_.Observe(Clients(kT0 + 1, 1));
  trends_.Observe(Clients(kT0 + 60 * 10000 + 1, 2));  // a week later (a suspended process)
  const json clients = SeriesOf(trends_.Json(), "websocket_clients");
  ASSERT_TRUE(clients.is_object());
  EXPECT_EQ(clients.at("points").size(), 360u);
  EXPECT_EQ(clients.at("points").back(), json::array({kT0 + 60 * 10000, 1}));
}

TEST_F(TrendBufferTest, RecordsPerMinuteIsTheCountersIncrease) {
  trends_.Observe(Pipeline(kT0 + 10, 1000));
  EXPECT_FALSE(trends_.RecordsPerMinute("L0")) << "no step has ended";
  trends_.Observe(Pipeline(kT0 + 70, 1120));   // closes step 0 with 1000
  trends_.Observe(Pipeline(kT0 + 130, 1300));  // closes step 1 with 1120: 120 a minute
  // The page's figure: from the oldest step in the window (its end at kT0 + 60, 1000) to the
  // newest result (kT0 + 130, 1300): 300 records in 70 s.
  ASSERT_TRUE(trends_.RecordsPerMinute("L0"));
  EXPECT_NEAR(*trends_.RecordsPerMinute("L0"), 300 / (70.0 / 60), 1e-9);
  EXPECT_FALSE(trends_.RecordsPerMinute("L1")) << "a layer without a records source";
  EXPECT_FALSE(trends_.RecordsPerMinute("L9"));
  trends_.Observe(Pipeline(kT0 + 190, 50));  // closes step 2 with 1300; then a reset
  trends_.Observe(Pipeline(kT0 + 250, 110));
  const json rpm = SeriesOf(trends_.Json(), "records_per_minute");
  ASSERT_TRUE(rpm.is_object());
  EXPECT_EQ(rpm.at("labels"), json({{"layer", "L0"}}));
  // Step 0 has no earlier counter; step 3's counter went down: what it counts since is the rate.
  EXPECT_EQ(rpm.at("points"), json::parse("[[1796259060, null], [1796259120, 120], "
                                          "[1796259180, 180], [1796259240, 50]]"));
  const json all = trends_.Json();  // not in the loop's head: the temporary would die first
  for (const json& s : all.at("series")) EXPECT_NE(s["labels"], json({{"layer", "L1"}}));
}

TEST_F(TrendBufferTest, RecordsPerMinuteLooksBackTenMinutesAtMost) {
  for (int i = 0; i <= 30; ++i) trends_.Observe(Pipeline(kT0 + 60 * i + 10, 100.0 * i * i));
  // Newest: 90000 at kT0 + 1810, in step 30. The window's oldest step is 20 (its end kT0 +
  // 1260, counter 40000 sampled from the result at kT0 + 1210).
  ASSERT_TRUE(trends_.RecordsPerMinute("L0"));
  EXPECT_NEAR(*trends_.RecordsPerMinute("L0"), (90000 - 40000) / (550 / 60.0), 1e-6);
}

TEST(HistogramQuantileTest, InterpolatesWithinTheBucketAsPrometheusDoes) {
  // 10 observations: 4 <= 1 s, 4 in (1, 2], 2 in (5, 10].
  LatencyHistogram h = Histogram({0.5, 0.5, 0.5, 0.5, 1.5, 1.5, 1.5, 1.5, 7, 7});
  EXPECT_DOUBLE_EQ(*HistogramQuantile(0.2, h), 0.5);                   // rank 2 of 4 in [0, 1]
  EXPECT_DOUBLE_EQ(*HistogramQuantile(0.5, h), 1.25);                  // rank 5: 1 of 4 in (1, 2]
  EXPECT_DOUBLE_EQ(*HistogramQuantile(0.9, h), 7.5);                   // rank 9: 1 of 2 in (5, 10]
  EXPECT_DOUBLE_EQ(*HistogramQuantile(0.99, h), 9.75);                 // rank 9.9
  EXPECT_DOUBLE_EQ(*HistogramQuantile(0.9, Histogram({5000})), 3600);  // +Inf: the top bound
  EXPECT_FALSE(HistogramQuantile(0.5, LatencyHistogram{}));
}

TEST(HistogramQuantileTest, TheIncreaseIsBucketByBucketOrAllAfterAReset) {
  LatencyHistogram before = Histogram({0.5, 50});
  LatencyHistogram after = Histogram({0.5, 50, 20, 25});
  LatencyHistogram inc = HistogramIncrease(after, before);
  EXPECT_EQ(inc.count, 2u);
  EXPECT_DOUBLE_EQ(*HistogramQuantile(0.5, inc), 22.5);  // both in (15, 30]
  EXPECT_EQ(HistogramIncrease(before, after).count, before.count) << "a reset: all of it";
}

TEST_F(TrendBufferTest, TheTenMinuteLatencyIsTheNewestHistogramMinusTheOneTenMinutesAgo) {
  // An old slow row, then one fast row a minute for 15 minutes.
  LatencyHistogram h = Histogram({1000});
  for (int i = 0; i <= 15; ++i) {
    h.Observe(0.5);
    trends_.Observe(Market(kT0 + 60 * i + 30, h));
  }
  std::optional<LatencyWindow> w = trends_.IngestLatency("USD/COP");
  ASSERT_TRUE(w);
  // From step 5's end (kT0 + 360, 7 rows) to kT0 + 930 (17 rows): the slow row is not in it.
  EXPECT_EQ(w->count, 10u);
  EXPECT_DOUBLE_EQ(w->window_seconds, 570);
  EXPECT_DOUBLE_EQ(*w->p50, 0.5);
  EXPECT_DOUBLE_EQ(*w->p99, 0.99);
  EXPECT_FALSE(trends_.IngestLatency("EUR/USD"));
  // The p90 series: step 0 has no earlier histogram; step 1's window holds one fast row.
  const json p90 = SeriesOf(trends_.Json(), "ingest_latency_p90_seconds");
  ASSERT_TRUE(p90.is_object());
  EXPECT_TRUE(p90.at("points")[0][1].is_null());
  EXPECT_DOUBLE_EQ(p90.at("points")[1][1].get<double>(), 0.9);
  const json completeness = SeriesOf(trends_.Json(), "completeness_ratio");
  ASSERT_TRUE(completeness.is_object());
  EXPECT_EQ(completeness.at("labels"), json({{"symbol", "USD/COP"}, {"window", "session"}}));
  EXPECT_EQ(completeness.at("points")[0][1], 1.0);
}

TEST_F(TrendBufferTest, NoRowInTheWindowIsNoLatency) {
  LatencyHistogram h = Histogram({0.5});
  for (int i = 0; i <= 12; ++i) trends_.Observe(Market(kT0 + 60 * i + 30, h));
  EXPECT_FALSE(trends_.IngestLatency("USD/COP"));
}

TEST_F(TrendBufferTest, AtMost64SeriesTheFirstOnesKeptAndAWarning) {
  char* text = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&text, &size);
  ASSERT_NE(out, nullptr);
  {
    Logger log(LogLevel::kInfo, LogFormat::kLogfmt, out);
    TrendBuffer trends(log);
    VendorApiResult vendor;
    vendor.provider = "twelvedata";
    for (int i = 0; i < 70; ++i)
      vendor.keys.push_back({"key" + std::to_string(i),
                             i == 0,
                             0,
                             std::nullopt,
                             {{"minute", static_cast<double>(i), 100}}});
    trends.Observe(Rec("vendor_api", kT0 + 1, vendor));
    trends.Observe(Rec("vendor_api", kT0 + 61, vendor));
    trends.Observe(Rec("vendor_api", kT0 + 121, vendor));
    const json t = trends.Json();
    ASSERT_EQ(t["series"].size(), kMaxTrendSeries);
    EXPECT_EQ(t["series"][0]["labels"], json({{"key_id", "key0"}, {"period", "minute"}}));
    EXPECT_EQ(t["series"][63]["labels"]["key_id"], "key63");
    EXPECT_EQ(t["series"][63]["points"][0][1], 0.63);
  }
  std::fclose(out);
  const std::string logged(text, size);
  std::free(text);
  EXPECT_EQ(logged.find("too many trend series"), logged.rfind("too many trend series"))
      << "warned once: " << logged;
  EXPECT_NE(logged.find("too many trend series"), std::string::npos) << logged;
}

TEST_F(TrendBufferTest, ASeriesWithoutValuesForASpanMakesRoom) {
  trends_.Observe(Clients(kT0 + 1, 1));
  WebSocketResult without;  // the status endpoint is gone: no clients figure
  without.up = true;
  for (int i = 1; i <= 360; ++i) trends_.Observe(Rec("websocket", kT0 + 60 * i + 1, without));
  EXPECT_TRUE(SeriesOf(trends_.Json(), "websocket_clients").is_object()) << "one value in its span";
  trends_.Observe(Rec("websocket", kT0 + 60 * 361 + 1, without));
  EXPECT_TRUE(SeriesOf(trends_.Json(), "websocket_clients").is_null());
}

TEST_F(TrendBufferTest, AnotherStepEmptiesTheBufferTheSameKeepsIt) {
  trends_.Observe(Clients(kT0 + 1, 1));
  trends_.Observe(Clients(kT0 + 61, 1));
  trends_.SetStep(kTrendStep);
  EXPECT_EQ(trends_.Json()["series"].size(), 1u);
  trends_.SetStep(std::chrono::seconds(2));
  EXPECT_EQ(trends_.Json()["series"], json::array());
  EXPECT_EQ(trends_.Json()["step_seconds"], 2);
  trends_.Observe(Clients(kT0 + 62, 5));
  trends_.Observe(Clients(kT0 + 64.5, 6));
  EXPECT_EQ(SeriesOf(trends_.Json(), "websocket_clients").at("points"),
            json::parse("[[1796259064, 5]]"));
}

}  // namespace
}  // namespace usdcop
