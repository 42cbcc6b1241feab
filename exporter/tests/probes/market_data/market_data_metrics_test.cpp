// probes/market_data/market_data_metrics.cpp: the market_data probe's metrics, to the byte: its
// golden file.
#include <gtest/gtest.h>

#include "support/golden.h"
#include "support/render_text.h"

namespace usdcop {
namespace {

// -- The golden file: fixtures/market_data.prom (support/golden.h)
// ---------------------------------------

// USD/COP with two windows (flaws in the session), freshness and counters; EUR/COP in a window
// where nothing is expected yet, no bar, its stored counters unknown.
MarketDataResult GoldenMarketData() {
  WindowStats session;
  session.window = "session";
  session.expected = 48;
  session.observed = 45;
  session.missing = 3;
  session.gaps = 2;
  session.largest_gap_seconds = 600;
  session.duplicates = 1;
  session.flaws = {
      {BarFlaw::kOhlcInconsistent, 1}, {BarFlaw::kPriceJump, 2}, {BarFlaw::kOffGrid, 1}};
  WindowStats week;
  week.window = "7d";
  week.expected = 300;
  week.observed = 300;
  SymbolResult usd;
  usd.symbol = "USD/COP";
  usd.windows = {session, week};
  usd.last_bar = 1795525500;
  usd.staleness = 300;
  usd.counters_known = true;
  usd.ingested_total = 1234;
  for (double latency : {0.5, 3.0, 3.5, 45.0, 7200.0}) usd.ingest_latency.Observe(latency);
  WindowStats empty;
  empty.window = "session";
  SymbolResult eur;
  eur.symbol = "EUR/COP";
  eur.windows = {empty};
  MarketDataResult r;
  r.symbols = {usd, eur};
  return r;
}

const Golden kMarketDataGolden{"market_data", [] { return RenderText(GoldenMarketData()); }};
[[maybe_unused]] const bool kMarketDataGoldenRegistered = RegisterGolden(kMarketDataGolden);

TEST(MarketDataMetricsTest, MatchesItsGoldenFileAndTheContract) { ExpectGolden(kMarketDataGolden); }

}  // namespace
}  // namespace usdcop
