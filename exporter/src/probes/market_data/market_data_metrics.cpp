// usdcop_l0_*: from the market-data probe's result.
#include "exposition/family_builder.h"
#include "probes/market_data/market_data_kind.h"

namespace usdcop {
namespace {

void RenderWindow(const std::string& symbol, const WindowStats& w, FamilyBuilder& out) {
  const Labels id = {{"symbol", symbol}, {"window", w.window}};
  auto gauge = [&](const char* name, const char* help, double v) { out.Gauge(name, help, id, v); };
  gauge("usdcop_l0_bars_expected",
        "Bars the trading calendar expects in the window by now (closed, plus the arrival grace).",
        static_cast<double>(w.expected));
  gauge("usdcop_l0_bars_observed", "Distinct expected bars present in the window.",
        static_cast<double>(w.observed));
  gauge("usdcop_l0_completeness_ratio",
        "Observed / expected bars in the window (1 when none is expected).", w.completeness());
  gauge("usdcop_l0_missing_bars", "Expected bars absent from the window.",
        static_cast<double>(w.missing));
  gauge("usdcop_l0_gaps", "Runs of consecutive missing bars in the window.",
        static_cast<double>(w.gaps));
  gauge("usdcop_l0_largest_gap_seconds", "The longest run of missing bars times the bar interval.",
        w.largest_gap_seconds);
  gauge("usdcop_l0_duplicate_bars", "Extra rows for a bar time already present in the window.",
        static_cast<double>(w.duplicates));
  for (const auto& [flaw, n] : w.flaws) {
    Labels labels = id;
    labels.emplace_back("reason", BarFlawName(flaw));
    out.Gauge("usdcop_l0_outlier_bars",
              "Bars in the window that are outliers (ohlc_inconsistent, non_positive, price_jump) "
              "or bad rows "
              "(null_price, off_grid, off_session).",
              labels, static_cast<double>(n));
  }
}

void RenderSymbol(const SymbolResult& s, FamilyBuilder& out) {
  for (const WindowStats& w : s.windows) RenderWindow(s.symbol, w, out);
  const Labels id = {{"symbol", s.symbol}};
  if (s.last_bar)
    out.Gauge("usdcop_l0_last_bar_timestamp_seconds", "Open time of the newest bar present.", id,
              *s.last_bar);
  if (s.staleness)
    out.Gauge("usdcop_l0_staleness_seconds",
              "Newest bar the calendar expects by now minus the newest bar present (0 when closed "
              "and complete).",
              id, *s.staleness);
  if (!s.counters_known) return;
  out.Counter("usdcop_l0_records_ingested_total", "New rows seen in the market-data table.", id,
              s.ingested_total);
  std::vector<std::pair<double, std::uint64_t>> buckets;
  for (size_t i = 0; i < std::size(LatencyHistogram::kBounds); ++i)
    buckets.emplace_back(LatencyHistogram::kBounds[i], s.ingest_latency.counts[i]);
  out.Histogram("usdcop_l0_ingest_latency_seconds",
                "Ingestion time minus bar close time of new rows.", id, buckets,
                s.ingest_latency.count, s.ingest_latency.sum);
}

}  // namespace

void MarketDataKind::Render(const MarketDataResult& result, FamilyBuilder& out) {
  for (const SymbolResult& s : result.symbols) RenderSymbol(s, out);
}

}  // namespace usdcop
