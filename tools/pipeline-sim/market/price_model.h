// Deterministic USD/COP prices for the bars of the trading calendar. A bar's prices depend only
// on the seed and on the bar's position among all calendar bars (its trading-bar index), never
// on the order bars are generated in: a backfill written later splices seamlessly into bars
// written live, and the same bar always gets the same prices.
//
// The close of bar n is 4000 COP per USD times exp(noise(n)), where the noise is a sum of
// pseudo-random octaves (periods of 1 to 3000 bars): consecutive closes differ by about 0.03 %
// (at most ~0.12 %), and the level wanders within ~4 % of 4000. A bar opens at the previous
// bar's close; high and low extend a little beyond them. Prices are whole cents.
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "calendar/trading_calendar.h"
#include "common/mutex.h"
#include "shared/sim_time.h"

namespace usdcop::sim {

// What a generated bar looks like; kNormal unless a fault says otherwise.
enum class BarShape { kNormal, kPriceJump, kOhlcInconsistent, kNonPositive };

struct BarPrices {
  double open = 0;
  double high = 0;
  double low = 0;
  double close = 0;
  double volume = 0;
};

class PriceModel {
 public:
  PriceModel(std::shared_ptr<const TradingCalendar> calendar, uint64_t seed)
      : calendar_(std::move(calendar)), seed_(seed) {}
  PriceModel(const PriceModel&) = delete;
  PriceModel& operator=(const PriceModel&) = delete;

  // The prices of the calendar bar opening at `bar`. kPriceJump: the close is 3 % away from the
  // open (the previous close); kOhlcInconsistent: high below low; kNonPositive: a low of 0.
  BarPrices Prices(Time bar, BarShape shape) const;
  // The bar's index among all calendar bars since 1990 (the same for every run).
  int64_t BarIndex(Time bar) const;

 private:
  int64_t BarsBeforeDay(date::local_days day) const;
  int64_t PositionInDay(date::local_days day, Time bar) const;
  // The close of bar n, in cents.
  int64_t CloseCents(int64_t n) const;
  double Unit(int64_t n, uint64_t stream) const;  // in [0, 1)

  const std::shared_ptr<const TradingCalendar> calendar_;
  const uint64_t seed_;
  mutable Mutex mu_;
  mutable std::vector<int64_t> bars_before_ GUARDED_BY(mu_);  // per day since the anchor
};

}  // namespace usdcop::sim
