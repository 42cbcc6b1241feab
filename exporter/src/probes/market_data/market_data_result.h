// What the market-data probe found, per symbol: the figures of each window, freshness, and the
// ingestion counters. Plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "market/bar_book.h"

namespace usdcop {

// A cumulative histogram (Prometheus' shape): counts[i] observations <= bounds[i].
struct LatencyHistogram {
  static constexpr double kBounds[] = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600};
  std::vector<std::uint64_t> counts =
      std::vector<std::uint64_t>(std::size(kBounds), 0);  // cumulative
  std::uint64_t count = 0;
  double sum = 0;
  void Observe(double v);
};

struct SymbolResult {
  std::string symbol;
  std::vector<WindowStats> windows;
  std::optional<double> last_bar;   // Unix seconds
  std::optional<double> staleness;  // seconds
  // The counters: false when the stored state could not be read (they are unknown, not 0).
  bool counters_known = false;
  double ingested_total = 0;  // new rows seen, since the exporter's state began
  LatencyHistogram ingest_latency;
};

struct MarketDataResult {
  std::vector<SymbolResult> symbols;
};

}  // namespace usdcop
