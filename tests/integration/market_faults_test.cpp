// Each market-data fault of pipeline-sim moves exactly the metrics it should. The simulator and
// the exporter share a calendar open around the clock (UTC) with 5-second bars, so a fault shows
// within seconds at any hour (the tests wait out the last minutes of the UTC day, when that
// calendar closes).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "support/sim_json.h"
#include "support/stack.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;

const std::string kWin = "{symbol=\"USD/COP\",window=\"10m\"}";
std::string Outliers(const char* reason) {
  return std::string("usdcop_l0_outlier_bars{symbol=\"USD/COP\",window=\"10m\",reason=\"") +
         reason + "\"}";
}

class MarketFaultsIT : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string zone = AlwaysOpenZone();
    stack_.StartSim({"--market.sqlite", stack_.File("market.db"), "--market.calendar", "always",
                     "--market.timezone", zone, "--market.bar-interval", "5s", "--market.latency",
                     "1s", "--market.backfill-days", "1"});
    stack_.WriteConfig(AlwaysOpenCalendarYaml(zone, "5s") +
                       "probes:\n  market_data:\n    interval: 1s\n    timeout: 800ms\n    source: "
                       "{sqlite: market.db}\n"
                       "    windows: [10m]\n    arrival_grace: 3s\n    lookback: 1m\n");
    stack_.StartExporter();
    ASSERT_TRUE(stack_.WaitForValue("usdcop_probe_success{probe=\"market_data\"}", 1, 20s))
        << stack_.exporter().Log();
    ASSERT_TRUE(
        stack_.WaitForAtLeast("usdcop_l0_records_ingested_total{symbol=\"USD/COP\"}", 1, 20s));
  }
  // Sets a fault and waits until `series` reaches `at_least`; the scrape then.
  Series FaultUntil(const std::string& fault, const std::string& series, double at_least) {
    stack_.Sim("/sim/market/fault", fault);
    EXPECT_TRUE(stack_.WaitForAtLeast(series, at_least, 25s)) << fault << "\n"
                                                              << stack_.exporter().Log();
    return stack_.Scrape();
  }
  Stack stack_;
};

TEST_F(MarketFaultsIT, EachFaultMovesItsMetric) {
  Series s0 = stack_.Scrape();
  ASSERT_EQ(s0["usdcop_l0_missing_bars" + kWin], 0);
  ASSERT_EQ(s0["usdcop_l0_duplicate_bars" + kWin], 0);

  Series s1 = FaultUntil(R"({"fault": "gap", "bars": 2})", "usdcop_l0_missing_bars" + kWin, 2);
  EXPECT_EQ(s1["usdcop_l0_missing_bars" + kWin], 2);
  EXPECT_EQ(s1["usdcop_l0_gaps" + kWin], 1);
  EXPECT_EQ(s1["usdcop_l0_largest_gap_seconds" + kWin], 10);
  EXPECT_EQ(s1["usdcop_l0_duplicate_bars" + kWin], 0);

  Series s2 = FaultUntil(R"({"fault": "duplicate"})", "usdcop_l0_duplicate_bars" + kWin, 1);
  EXPECT_EQ(s2["usdcop_l0_duplicate_bars" + kWin], 1);
  EXPECT_EQ(s2["usdcop_l0_missing_bars" + kWin], 2);

  Series s3 = FaultUntil(R"({"fault": "outlier", "kind": "ohlc_inconsistent"})",
                         Outliers("ohlc_inconsistent"), 1);
  EXPECT_EQ(s3[Outliers("non_positive")], 0);
  Series s4 =
      FaultUntil(R"({"fault": "outlier", "kind": "non_positive"})", Outliers("non_positive"), 1);
  EXPECT_EQ(s4[Outliers("ohlc_inconsistent")], 1);
  Series s5 =
      FaultUntil(R"({"fault": "outlier", "kind": "price_jump"})", Outliers("price_jump"), 1);
  EXPECT_EQ(s5["usdcop_l0_missing_bars" + kWin], 2);
  EXPECT_EQ(s5["usdcop_l0_duplicate_bars" + kWin], 1);

  // Late: a bar 20 s late lands in the histogram's upper buckets.
  const std::string le15 = "usdcop_l0_ingest_latency_seconds_bucket{symbol=\"USD/COP\",le=\"15\"}";
  const std::string count = "usdcop_l0_ingest_latency_seconds_count{symbol=\"USD/COP\"}";
  stack_.Sim("/sim/market/fault", R"({"fault": "none"})");
  Series before_late = stack_.Scrape();
  Series s6 =
      FaultUntil(R"({"fault": "late", "seconds": 20})",
                 "usdcop_l0_ingest_latency_seconds_sum{symbol=\"USD/COP\"}",
                 before_late["usdcop_l0_ingest_latency_seconds_sum{symbol=\"USD/COP\"}"] + 20);
  EXPECT_GT(s6[count] - s6[le15], before_late[count] - before_late[le15]);

  // Stop: the data goes stale; writing again brings it back.
  stack_.Sim("/sim/market/fault", R"({"fault": "none"})");
  Series s7 =
      FaultUntil(R"({"fault": "stop"})", "usdcop_l0_staleness_seconds{symbol=\"USD/COP\"}", 15);
  EXPECT_GE(s7["usdcop_l0_staleness_seconds{symbol=\"USD/COP\"}"], 15);
  stack_.Sim("/sim/market/fault", R"({"fault": "none"})");
  EXPECT_TRUE(stack_.WaitForValue("usdcop_l0_staleness_seconds{symbol=\"USD/COP\"}", 0, 25s));
}

}  // namespace
}  // namespace usdcop::testing

namespace usdcop::testing {
namespace {

TEST(ReadySignalIT, TheFlagFollowsBarWritesAndGoesStaleWithTheFault) {
  const std::string zone = AlwaysOpenZone();
  Stack stack;
  stack.StartSim({"--market.sqlite", stack.File("market.db"), "--market.calendar", "always",
                  "--market.timezone", zone, "--market.bar-interval", "2s", "--market.latency",
                  "0s", "--ready.flag-file", stack.File("l0_ready.flag")});
  stack.WriteConfig(
      "probes:\n  ready_signal:\n    interval: 1s\n    timeout: 500ms\n    flag_file: "
      "l0_ready.flag\n");
  stack.StartExporter();
  const std::string ts = "usdcop_ready_signal_timestamp_seconds";
  ASSERT_TRUE(stack.WaitForValue("usdcop_ready_signal_present", 1, 20s)) << stack.exporter().Log();
  double first = stack.Scrape()[ts];
  ASSERT_TRUE(Eventually([&] { return stack.Scrape()[ts] > first; }, 15s));  // each bar moves it

  // Bars the simulator has written.
  auto bars = [&] {
    return GetJson(stack.sim_port(), "/sim/market/state").value("bars_written", 0);
  };
  const int at_fault = [&] {
    stack.Sim("/sim/market/fault", R"({"fault": "stale_ready"})");
    return bars();
  }();
  // The bar after the next one: a flag write under way when the fault came has landed.
  ASSERT_TRUE(Eventually([&] { return bars() >= at_fault + 2; }, 15s));
  ASSERT_TRUE(stack.WaitForRunStartedAfter("ready_signal", UnixNow()));
  double stale = stack.Scrape()[ts];
  ASSERT_TRUE(Eventually([&] { return bars() >= at_fault + 5; }, 15s));  // three more bars
  ASSERT_TRUE(stack.WaitForRunStartedAfter("ready_signal", UnixNow()));  // read after them
  EXPECT_EQ(stack.Scrape()[ts], stale);
  stack.Sim("/sim/market/fault", R"({"fault": "none"})");
  EXPECT_TRUE(Eventually([&] { return stack.Scrape()[ts] > stale; }, 15s));

  EXPECT_EQ(stack.CheckContract(stack.ScrapeText(), {"usdcop_ready_signal_"}), "");
}

TEST(HandoverIT, AStalledWebSocketServiceLeavesBarsPendingUntilItCatchesUp) {
  const std::string zone = AlwaysOpenZone();
  Stack stack;
  stack.StartSim({"--market.sqlite", stack.File("market.db"), "--market.calendar", "always",
                  "--market.timezone", zone, "--market.bar-interval", "2s", "--market.latency",
                  "0s", "--market.backfill-days", "1"});
  stack.WriteConfig(
      AlwaysOpenCalendarYaml(zone, "2s") +
      "probes:\n  market_data:\n    interval: 1s\n    timeout: 800ms\n    source: {sqlite: "
      "market.db}\n"
      "    windows: [10m]\n"
      "  ready_signal:\n    interval: 1s\n    timeout: 800ms\n    flag_file: l0_ready.flag\n"
      "    handover: {status_url: \"http://127.0.0.1:" +
      std::to_string(stack.sim_port()) + "/status\"}\n");
  stack.StartExporter();
  const std::string pending = "usdcop_handover_pending_records",
                    lag = "usdcop_handover_lag_seconds";
  ASSERT_TRUE(stack.WaitForValue("usdcop_probe_success{probe=\"ready_signal\"}", 1, 20s))
      << stack.exporter().Log();
  // The stand-in publishes each bar as it is written: at most the bar written between the two
  // reads of a run is pending.
  EXPECT_LE(stack.Scrape()[pending], 1);

  stack.Sim("/sim/market/fault", R"({"fault": "handover_stall"})");
  if (!stack.WaitForAtLeast(pending, 3, 20s))
    GTEST_SKIP() << "no bars were written (the always calendar closes at 23:59 UTC)";
  Series stalled = stack.Scrape();
  // No bar is missing on this calendar: the lag is the pending bars times the 2 s interval.
  EXPECT_EQ(stalled[lag], 2 * stalled[pending]);
  EXPECT_EQ(stalled["usdcop_probe_success{probe=\"ready_signal\"}"], 1);

  stack.Sim("/sim/market/fault", R"({"fault": "none"})");
  EXPECT_TRUE(Eventually([&] { return stack.Scrape()[pending] <= 1; }, 15s))
      << stack.exporter().Log();

  EXPECT_EQ(stack.CheckContract(stack.ScrapeText(), {"usdcop_handover_"}), "");
}

}  // namespace
}  // namespace usdcop::testing
