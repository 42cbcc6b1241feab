// probes/market_data/market_data_config.cpp: the probes.market_data section.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/config.h"
#include "support/config_file.h"

namespace usdcop {
namespace {

using ::testing::HasSubstr;

class MarketDataConfigTest : public ConfigFileTest {};

TEST_F(MarketDataConfigTest, MarketDataSectionDefaultsAndChecks) {
  ConfigLoad ok = Load("probes:\n  market_data:\n    source: {sqlite: market.db}\n");
  ASSERT_TRUE(ok.config) << ::testing::PrintToString(ok.errors);
  const MarketDataProbeConfig& m = *ok.config->probes.Get<MarketDataKind>();
  EXPECT_EQ(m.sqlite_path, Path("market.db"));
  EXPECT_EQ(m.table.table, "usdcop_m5_ohlcv");
  EXPECT_EQ(m.table.ingested_at, "created_at");
  ASSERT_EQ(m.windows.size(), 3u);
  EXPECT_EQ(m.windows[1].span, std::chrono::hours(24 * 7));
  EXPECT_EQ(m.symbols, std::vector<std::string>{"USD/COP"});
  EXPECT_EQ(m.full_reread, std::chrono::hours(1));

  ConfigLoad never =
      Load("probes:\n  market_data:\n    source: {sqlite: market.db}\n    full_reread: 0s\n");
  ASSERT_TRUE(never.config) << ::testing::PrintToString(never.errors);
  EXPECT_EQ(never.config->probes.Get<MarketDataKind>()->full_reread, Duration(0));

  ConfigLoad price_only = Load(
      "probes:\n  market_data:\n    source: {sqlite: m.db}\n    columns: {time: ts, price: "
      "price}\n");
  ASSERT_TRUE(price_only.config) << ::testing::PrintToString(price_only.errors);
  EXPECT_EQ(price_only.config->probes.Get<MarketDataKind>()->table.close, "");
  EXPECT_EQ(price_only.config->probes.Get<MarketDataKind>()->table.ingested_at, "");

  ConfigLoad bad = Load(R"(probes:
  market_data:
    table: "bars; DROP TABLE x"
    columns: {open: o, close: c}
    windows: [session, fortnight, session]
    price_jump_k: -1
    full_reread: 10s
)");
  std::string all;
  for (const std::string& e : bad.errors) all += e + "\n";
  EXPECT_THAT(all, HasSubstr(":3:5: probes.market_data.source: is required: {sqlite: "
                             "/path/to/market.db} or {postgres:"));
  EXPECT_THAT(
      all, HasSubstr("probes.market_data.table: \"bars; DROP TABLE x\" is not a SQL identifier"));
  EXPECT_THAT(all,
              HasSubstr("probes.market_data.columns: give open, high, low and close together"));
  EXPECT_THAT(
      all, HasSubstr("probes.market_data.windows[1]: \"fortnight\" is not session or a duration"));
  EXPECT_THAT(all, HasSubstr("probes.market_data.windows[2]: window \"session\" is listed twice"));
  EXPECT_THAT(all, HasSubstr("probes.market_data.price_jump_k: \"-1\" is not a number above 0"));
  EXPECT_THAT(all, HasSubstr("probes.market_data.full_reread: is shorter than interval"));
}

}  // namespace
}  // namespace usdcop
