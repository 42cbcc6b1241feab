// A table of L0 bars (and the ready-signal table beside it), read for one symbol: by bar time (the
// cold scan of a window) or by the incremental mark (rows newer than a watermark). Implementations
// enforce the Deadline on every query and turn database failures into a Status naming what to fix.
// A source is used by one probe run at a time (not thread-safe).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/deadline.h"
#include "common/status.h"
#include "market/bar_book.h"

namespace usdcop {

// Where the L0 bars are and how to read them.
struct BarTableConfig {
  std::string table = "usdcop_m5_ohlcv";  // [schema.]table, checked as SQL identifiers
  // Column names; "" = the table has no such column. The older variant has `price` only.
  std::string time = "time";
  std::string symbol = "symbol";
  std::string open = "open";
  std::string high = "high";
  std::string low = "low";
  std::string close = "close";
  std::string price;                       // used when close is ""
  std::string ingested_at = "created_at";  // "" = incremental reads go by bar time
};

// The bars newer than a given bar time: how many distinct bar times, and the newest.
struct NewerBars {
  int64_t bars = 0;
  std::optional<double> newest;  // Unix seconds; nullopt when bars == 0
};

// A row of the ready-signal table (the signal directory's JSON fields as columns).
struct SignalRow {
  std::string status;
  std::optional<double> created_at, updated_at, expires_at;  // Unix seconds
};

// A database's L0 bar table. The two row reads are the same query over a different column, so
// they are written once here and each database implements Query. Not thread-safe: each probe
// opens its own.
class BarSource {
 public:
  virtual ~BarSource() = default;
  // Rows with time >= from (Unix seconds), in time order.
  Result<std::vector<BarRow>> RowsFromTime(const std::string& symbol, double from,
                                           const Deadline& d) {
    return Query(symbol, table_.time, ">=", from, d);
  }
  // Rows with mark > after, in mark order (the mark: ingested_at, or the bar time without one).
  Result<std::vector<BarRow>> RowsAfterMark(const std::string& symbol, double after,
                                            const Deadline& d) {
    return Query(symbol, table_.ingested_at.empty() ? table_.time : table_.ingested_at, ">", after,
                 d);
  }
  // Distinct bar times > after (Unix seconds), counted by the database.
  virtual Result<NewerBars> BarsNewerThan(const std::string& symbol, double after,
                                          const Deadline& d) = 0;
  // The newest (by created_at) ready or completed signals of a type in the ready-signal table
  // `table` (columns signal_type, status, created_at, updated_at, expires_at), at most `limit`.
  virtual Result<std::vector<SignalRow>> ReadySignals(const std::string& table,
                                                      const std::string& signal_type, int limit,
                                                      const Deadline& d) = 0;

 protected:
  explicit BarSource(BarTableConfig table) : table_(std::move(table)) {}
  // The symbol's rows with `column` <op> bound (Unix seconds), ordered by that column.
  virtual Result<std::vector<BarRow>> Query(const std::string& symbol, const std::string& column,
                                            const char* op, double bound, const Deadline& d) = 0;

  const BarTableConfig table_;
};

// What to check when the database says a table or column does not exist.
inline constexpr const char* kTableHint = " (check probes.market_data.table)";
inline constexpr const char* kColumnsHint = " (check probes.market_data.columns)";
inline constexpr const char* kSignalTableHint = " (check probes.ready_signal.signal_table)";
inline constexpr const char* kSignalColumnsHint =
    " (the signal table needs columns signal_type, status, created_at, updated_at, expires_at)";

// True for a SQL identifier we are willing to splice into a query: [A-Za-z_][A-Za-z0-9_]*,
// optionally schema-qualified once ("market.usdcop_m5_ohlcv").
bool IsSqlIdentifier(const std::string& name, bool allow_schema = false);
// "a" -> "\"a\"", "s.t" -> "\"s\".\"t\"" (only for names IsSqlIdentifier accepted).
std::string QuoteIdentifier(const std::string& name);

}  // namespace usdcop
