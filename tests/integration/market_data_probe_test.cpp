// The real usdcop_exporter reading an SQLite market table, over loopback.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <ctime>
#include <filesystem>

#include "support/stack.h"

namespace usdcop::testing {
namespace {

using namespace std::chrono_literals;

std::string Iso(std::chrono::system_clock::time_point t) {
  std::time_t s = std::chrono::system_clock::to_time_t(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&s));
  return buf;
}

class MarketDataIT : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(stack_.File("market.db").c_str(), &db_), SQLITE_OK);
    Exec("PRAGMA journal_mode=WAL;");
    Exec(
        "CREATE TABLE usdcop_m5_ohlcv (time TEXT NOT NULL, symbol TEXT NOT NULL, open REAL, high "
        "REAL, low REAL,"
        " close REAL, volume REAL, source TEXT, created_at TEXT NOT NULL, updated_at TEXT);");
    // A calendar open every minute of every day, with 1-minute bars, so that the test does not
    // depend on the hour it runs at.
    stack_.WriteConfig(
        "calendar:\n  sessions: [{days: [sun, mon, tue, wed, thu, fri, sat], open: \"00:00\", "
        "close: \"23:59\"}]\n"
        "  bar_interval: 1m\n  holidays: []\n"
        "probes:\n  market_data:\n    interval: 1s\n    timeout: 800ms\n    source: {sqlite: "
        "market.db}\n"
        "    windows: [session, 1h]\n    arrival_grace: 0s\n");
  }
  void TearDown() override { sqlite3_close(db_); }
  void Exec(const std::string& sql) {
    ASSERT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql;
  }
  // The bars of the last `minutes` complete minutes, oldest first, skipping `skip` minutes ago.
  void WriteBars(int minutes, int skip = -1, int duplicate = -1) {
    auto now = std::chrono::floor<std::chrono::minutes>(std::chrono::system_clock::now());
    Exec("BEGIN");
    for (int ago = minutes; ago >= 1; --ago) {
      if (ago == skip) continue;
      std::string t = Iso(now - std::chrono::minutes(ago));
      std::string row =
          "('" + t + "', 'USD/COP', 4000, 4001, 3999, 4000.5, 1, 'it', '" + Iso(now) + "', NULL)";
      Exec("INSERT INTO usdcop_m5_ohlcv VALUES " + row + (ago == duplicate ? ", " + row : "") +
           ";");
    }
    Exec("COMMIT");
  }

  Stack stack_;
  sqlite3* db_ = nullptr;
};

TEST_F(MarketDataIT, GapsAndDuplicatesShowInTheirMetrics) {
  WriteBars(30, /*skip=*/10, /*duplicate=*/20);
  stack_.StartExporter();
  const std::string hour = "{symbol=\"USD/COP\",window=\"1h\"}";
  ASSERT_TRUE(stack_.WaitForValue("usdcop_probe_success{probe=\"market_data\"}", 1))
      << stack_.exporter().Log();
  ASSERT_TRUE(stack_.WaitForValue("usdcop_l0_duplicate_bars" + hour, 1));
  Series s = stack_.Scrape();
  EXPECT_GE(s["usdcop_l0_missing_bars" + hour], 1);  // the skipped bar (and any minute since)
  EXPECT_GE(s["usdcop_l0_gaps" + hour], 1);
  EXPECT_EQ(s["usdcop_l0_bars_observed" + hour], 29);
  EXPECT_EQ(
      s["usdcop_l0_outlier_bars{symbol=\"USD/COP\",window=\"1h\",reason=\"ohlc_inconsistent\"}"],
      0);
  EXPECT_EQ(s["usdcop_market_open{market=\"usdcop\"}"], 1);
}

TEST_F(MarketDataIT, ExpositionPassesPromtoolAndTheContract) {
  WriteBars(10);
  stack_.StartExporter();
  ASSERT_TRUE(stack_.WaitForValue("usdcop_probe_success{probe=\"market_data\"}", 1))
      << stack_.exporter().Log();
  std::string text = stack_.ScrapeText();
  CommandResult lint = RunCommand({"promtool", "check", "metrics"}, text);
  EXPECT_EQ(lint.exit_code, 0) << lint.output;
  EXPECT_EQ(lint.output, "");
  EXPECT_EQ(stack_.CheckContract(text, {"usdcop_l0_"}), "");
}

TEST_F(MarketDataIT, AMissingTableIsAQueryErrorNamingTheFix) {
  Exec("DROP TABLE usdcop_m5_ohlcv;");
  stack_.StartExporter();
  ASSERT_TRUE(stack_.WaitForAtLeast(
      "usdcop_probe_errors_total{probe=\"market_data\",reason=\"query\"}", 1));
  EXPECT_THAT(
      stack_.exporter().Log(),
      ::testing::HasSubstr("no such table: usdcop_m5_ohlcv (check probes.market_data.table)"));
}

}  // namespace
}  // namespace usdcop::testing
