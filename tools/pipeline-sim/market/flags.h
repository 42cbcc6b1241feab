// The --market.* and --ready.* flags, and the MarketWriter they describe. Market data is off
// unless --market.sqlite or --market.postgres is given.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "market/writer.h"
#include "shared/status.h"

namespace usdcop::sim {

struct MarketOptions {
  std::string sqlite_path;
  std::string postgres_conninfo;
  std::string password_file;
  std::string table = "usdcop_m5_ohlcv";
  std::string symbol = "USD/COP";
  int backfill_days = 0;
  std::string latency = "2s";
  uint64_t seed = 42;
  std::string calendar = "usdcop";  // or "always": every day 00:00..23:59 local, no holidays
  std::string timezone;             // the calendar's zone; "": its own (Bogota, or UTC)
  std::string bar_interval = "5m";
  std::string ready_flag_file;
};

void AddMarketFlags(CLI::App& app, MarketOptions& o);

// The writer the flags describe (not yet initialised), or null when market data is off. An
// error, its message naming the flag, on bad flags or an unusable ready-flag directory or
// password file.
Result<std::unique_ptr<MarketWriter>> BuildMarketWriter(const MarketOptions& o);

}  // namespace usdcop::sim
