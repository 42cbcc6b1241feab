// The market-data probe: per symbol, the L0 bars against the trading calendar in each window
// (the current or last session, 7d, 30d): expected, observed, missing, gaps, duplicates,
// outliers and bad rows, freshness, and the rows ingested with their latency. The first run
// reads the longest window once; later runs read only rows newer than the watermark (minus the
// late-arrival lookback), and every `full_reread` the window is read whole again and replaces
// the bars in memory (rows deleted or edited in place show then). The watermark and the
// counters survive restarts in the state store.
// Not thread-safe: the scheduler runs one Run() at a time.
#pragma once

#include <map>
#include <memory>

#include "calendar/trading_calendar.h"
#include "market/bar_book.h"
#include "market/ingest_tracker.h"
#include "probes/market_data/market_data_config.h"
#include "probes/probe.h"
#include "sources/bar_source.h"
#include "store/state_store.h"

namespace usdcop {

// A connection of its own to the L0 bar table that probes.market_data names (SQLite or
// PostgreSQL); the ready-signal probe opens one too.
std::unique_ptr<BarSource> MakeBarSource(const MarketDataProbeConfig& config);

class MarketDataProbe final : public Probe {
 public:
  MarketDataProbe(MarketDataProbeConfig config, std::shared_ptr<const TradingCalendar> calendar,
                  std::unique_ptr<BarSource> source, StateStore& store);
  ProbeOutcome Run(const ProbeContext& ctx) override;

 private:
  struct SymbolState {
    std::unique_ptr<BarBook> book;  // null until the window has been read once
    IngestTracker tracker;
    double ingested_total = 0;
    LatencyHistogram latency;
    bool loaded = false;      // from the store
    SysTime read_whole_at{};  // when the window was last read whole (into `book`)
  };
  Status RunSymbol(const std::string& symbol, const ProbeContext& ctx, SymbolResult& out);
  Status Load(const std::string& symbol, SymbolState& state);
  Status Save(const std::string& symbol, const SymbolState& state);
  Duration Keep() const;

  const MarketDataProbeConfig config_;
  const std::shared_ptr<const TradingCalendar> calendar_;
  const std::unique_ptr<BarSource> source_;
  StateStore& store_;
  std::map<std::string, SymbolState> states_;
};

}  // namespace usdcop
