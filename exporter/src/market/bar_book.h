// The market-data probe's memory of one symbol's bars: every row seen in the longest window,
// folded per bar time, so that each cycle reads only the new rows from the database and the
// per-window figures (completeness, gaps, duplicates, outliers, staleness) are computed from
// memory against the trading calendar.
//
// The figures are kept per UTC day: a day wholly inside a window is summarised once (its
// calendar bars, counts, runs of missing bars at its edges and inside, and its log returns) and
// the summary is reused until a row for that day arrives. A window is then its partial first
// day, the cached days, and its partial last day, so a cycle costs two days' walk whatever the
// window's length. Not thread-safe: owned by one probe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "calendar/trading_calendar.h"
#include "common/units.h"

namespace usdcop {

// One row as the source returned it. Times are Unix seconds.
struct BarRow {
  double time = 0;       // the bar's open time
  bool has_ohlc = true;  // false for the older table variant with only a price
  std::optional<double> open, high, low, close;  // NULL -> nullopt; `close` is `price` there
  std::optional<double> ingested_at;
  double mark = 0;  // the incremental-read column's value: ingested_at, or time without one
};

// Why a bar counts as an outlier or a bad row: the `reason` label of usdcop_l0_outlier_bars.
enum class BarFlaw {
  kOhlcInconsistent,
  kNonPositive,
  kPriceJump,
  kNullPrice,
  kOffGrid,
  kOffSession
};
inline constexpr BarFlaw kAllBarFlaws[] = {BarFlaw::kOhlcInconsistent, BarFlaw::kNonPositive,
                                           BarFlaw::kPriceJump,        BarFlaw::kNullPrice,
                                           BarFlaw::kOffGrid,          BarFlaw::kOffSession};
const char* BarFlawName(BarFlaw f);

struct WindowStats {
  std::string window;  // "session", "7d", "30d"
  std::int64_t expected = 0;
  std::int64_t observed = 0;  // distinct expected bars present
  std::int64_t missing = 0;
  std::int64_t gaps = 0;                  // runs of consecutive missing expected bars
  double largest_gap_seconds = 0;         // the longest run x the bar interval
  std::int64_t duplicates = 0;            // extra rows for a bar time already present
  std::map<BarFlaw, std::int64_t> flaws;  // bars per reason
  double completeness() const {
    return expected == 0 ? 1.0 : static_cast<double>(observed) / expected;
  }
};

class BarBook {
 public:
  // `keep` is how far back bars are kept (the longest window plus a margin).
  BarBook(std::shared_ptr<const TradingCalendar> calendar, Duration keep)
      : calendar_(std::move(calendar)), keep_(keep) {}

  // Adds a row (a new one: the caller has removed rows it saw before).
  void Add(const BarRow& row);
  // Forgets bars older than now - keep.
  void Prune(SysTime now);

  // The figures of the window [from, now): bars whose open time b is in it and that the
  // calendar expects by now (b + bar interval + grace <= now).
  WindowStats Window(const std::string& name, SysTime from, SysTime now, Duration grace,
                     double jump_k) const;
  // Newest bar present (Unix seconds), if any.
  std::optional<double> LastBar() const;
  // Newest bar the calendar expects by now minus the newest present, >= 0; nullopt without data.
  std::optional<double> Staleness(SysTime now, Duration grace) const;
  size_t size() const { return bars_.size(); }
  // Days summarised and reusable (for tests).
  size_t cached_days() const { return days_.size(); }

 private:
  struct Bar {
    std::uint32_t rows = 0;
    bool ohlc_inconsistent = false;
    bool non_positive = false;
    bool null_price = false;
    std::optional<double> close;  // of the first valid row
  };
  // The figures of a stretch of time, combinable in time order.
  struct Segment {
    std::int64_t expected = 0, observed = 0;
    std::int64_t lead = 0,
                 trail = 0;  // missing expected bars before the first present one / after the last
    std::int64_t inner_gaps = 0, inner_longest = 0;  // runs of missing bars between present ones
    std::int64_t duplicates = 0;
    std::int64_t flaws[std::size(kAllBarFlaws)] =
        {};                       // price_jump stays 0: it needs the whole window
    std::vector<double> returns;  // log returns between consecutive good closes, in time order
    std::optional<double> first_close, last_close;
  };
  // Expected bars: calendar bars b with from <= b <= expected_until; rows: from <= t < rows_until.
  Segment Summarize(SysTime from, std::int64_t expected_until, SysTime rows_until) const;
  const Segment& Day(std::int64_t day) const;  // the whole UTC day, cached

  std::shared_ptr<const TradingCalendar> calendar_;
  Duration keep_;
  std::map<std::int64_t, Bar> bars_;  // by bar open time, Unix seconds
  mutable std::map<std::int64_t, Segment>
      days_;  // by UTC day number; dropped when a row for it arrives
};

// PriceJumps on the log returns of consecutive closes: how many jumps.
std::size_t CountPriceJumps(const std::vector<double>& returns, double k);

// Robust price-jump detection: indexes i (>= 1) of closes whose log return from close[i-1]
// lies more than k median absolute deviations (scaled to a standard deviation) from the
// median return. A spike and its return to the trend count once, on the spike.
std::vector<size_t> PriceJumps(const std::vector<double>& closes, double k);

}  // namespace usdcop
