// probes/market_data/market_data_view.cpp: each symbol's bars and windows as the control API shows
// them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "probes/market_data/market_data_kind.h"

namespace usdcop {
namespace {

using nlohmann::json;

constexpr double kNow = 1'700'000'000;

TEST(MarketDataViewTest, EachSymbolWithItsWindowsByName) {
  WindowStats session;
  session.window = "session";
  session.expected = 48;
  session.observed = 45;
  session.missing = 3;
  session.gaps = 2;
  session.largest_gap_seconds = 600;
  session.duplicates = 1;
  session.flaws = {{BarFlaw::kPriceJump, 2}};
  SymbolResult usd;
  usd.symbol = "USD/COP";
  usd.windows = {session};
  usd.last_bar = kNow - 300;
  usd.staleness = 120;
  SymbolResult eur;
  eur.symbol = "EUR/COP";
  MarketDataResult m;
  m.symbols = {usd, eur};
  const json v = MarketDataKind::View(m, kNow);
  ASSERT_EQ(v["symbols"].size(), 2u);
  EXPECT_EQ(v["symbols"][0]["symbol"], "USD/COP");
  EXPECT_EQ(v["symbols"][0]["last_bar"], kNow - 300);
  EXPECT_EQ(v["symbols"][0]["last_bar_age_seconds"], 300);
  EXPECT_EQ(v["symbols"][0]["staleness_seconds"], 120);
  EXPECT_EQ(v["symbols"][0]["windows"]["session"],
            json({{"expected", 48},
                  {"observed", 45},
                  {"completeness_ratio", 0.9375},
                  {"missing", 3},
                  {"gaps", 2},
                  {"largest_gap_seconds", 600},
                  {"duplicates", 1},
                  {"outliers", {{BarFlawName(BarFlaw::kPriceJump), 2}}}}));
  const json& eur_view = v["symbols"][1];
  EXPECT_TRUE(eur_view["last_bar"].is_null());
  EXPECT_TRUE(eur_view["last_bar_age_seconds"].is_null());
  EXPECT_TRUE(eur_view["staleness_seconds"].is_null());
  EXPECT_EQ(eur_view["windows"], json::object());
  EXPECT_EQ(MarketDataKind::View(MarketDataResult{}, kNow)["symbols"], json::array());
}

}  // namespace
}  // namespace usdcop
