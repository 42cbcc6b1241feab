// probes/ready_signal/ready_signal_config.cpp: the probes.ready_signal section, its handover and
// its checks against probes.market_data.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "app/config.h"
#include "support/config_file.h"

namespace usdcop {
namespace {

using ::testing::HasSubstr;

class ReadySignalConfigTest : public ConfigFileTest {};

TEST_F(ReadySignalConfigTest, HandoverReadsTheMarketDataTableAndTheServiceStatus) {
  ConfigLoad ok = Load(R"(probes:
  market_data:
    source: {sqlite: market.db}
    symbols: [EUR/USD, USD/COP]
  ready_signal:
    flag_file: l0_ready.flag
    handover: {status_url: "http://127.0.0.1:8080/status"}
)");
  ASSERT_TRUE(ok.config) << ::testing::PrintToString(ok.errors);
  const HandoverConfig& h = *ok.config->probes.Get<ReadySignalKind>()->handover;
  EXPECT_EQ(h.status_url, "http://127.0.0.1:8080/status");
  EXPECT_EQ(h.last_bar_field, "/last_published_bar");
  EXPECT_EQ(h.symbol, "EUR/USD");  // the first of the market-data symbols

  ConfigLoad alone = Load(R"(probes:
  ready_signal:
    flag_file: l0_ready.flag
    handover: {status_url: "http://127.0.0.1:8080/status", last_bar_field: "last_bar", symbol: USD/COP}
)");
  std::string all;
  for (const std::string& e : alone.errors) all += e + "\n";
  EXPECT_THAT(
      all,
      HasSubstr(
          "probes.ready_signal.handover: reads the L0 bars through probes.market_data's source"));
  EXPECT_THAT(
      all,
      HasSubstr("probes.ready_signal.handover.last_bar_field: \"last_bar\" is not a JSON pointer"));

  ConfigLoad bad_url = Load(R"(probes:
  market_data: {source: {sqlite: market.db}, symbols: []}
  ready_signal:
    flag_file: l0_ready.flag
    handover: {status_url: "http://ops:hunter2@127.0.0.1:8080/status"}
)");
  all.clear();
  for (const std::string& e : bad_url.errors) all += e + "\n";
  EXPECT_THAT(all,
              HasSubstr(":5:28: probes.ready_signal.handover.status_url: has credentials in it"));
  EXPECT_THAT(all, HasSubstr("probes.market_data.symbols: is empty"));
  EXPECT_THAT(all, ::testing::Not(HasSubstr("hunter2")));
}

TEST_F(ReadySignalConfigTest, ReadySignalTakesExactlyOneSource) {
  ConfigLoad table = Load(R"(probes:
  market_data: {source: {sqlite: market.db}}
  ready_signal: {signal_table: ops.l0_ready_signals, signal_type: websocket_ready}
)");
  ASSERT_TRUE(table.config) << ::testing::PrintToString(table.errors);
  EXPECT_EQ(table.config->probes.Get<ReadySignalKind>()->signal_table, "ops.l0_ready_signals");
  EXPECT_EQ(table.config->probes.Get<ReadySignalKind>()->signal_type, "websocket_ready");

  ConfigLoad bad = Load(R"(probes:
  ready_signal: {flag_file: l0.flag, signal_table: "x; DROP TABLE y", signal_type: data_ready}
)");
  std::string all;
  for (const std::string& e : bad.errors) all += e + "\n";
  EXPECT_THAT(
      all,
      HasSubstr("probes.ready_signal.signal_table: \"x; DROP TABLE y\" is not a SQL identifier"));
  EXPECT_THAT(all, HasSubstr("give exactly one of flag_file"));
  EXPECT_THAT(all,
              HasSubstr("probes.ready_signal.signal_type: goes with signal_dir or signal_table"));

  ConfigLoad alone = Load("probes:\n  ready_signal: {signal_table: l0_ready_signals}\n");
  ASSERT_FALSE(alone.config);
  EXPECT_THAT(
      alone.errors.at(0),
      HasSubstr("probes.ready_signal.signal_table: is read from probes.market_data's database"));
}

}  // namespace
}  // namespace usdcop
