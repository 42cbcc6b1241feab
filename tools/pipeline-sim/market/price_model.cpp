#include "market/price_model.h"

#include <algorithm>
#include <cmath>

#include "shared/splitmix.h"

namespace usdcop::sim {
namespace {

constexpr double kBasePrice = 4000.0;
constexpr date::local_days kAnchor{date::year{1990} / 1 / 1};
// A bar's high and low reach up to this fraction beyond its open and close.
constexpr double kWick = 0.0004;
constexpr double kJump = 0.03;

struct Octave {
  int64_t period;    // bars between the octave's random values
  double amplitude;  // of the log price
};
constexpr Octave kOctaves[] = {{1, 0.00025}, {6, 0.0006}, {30, 0.0015},
                               {120, 0.004}, {600, 0.01}, {3000, 0.025}};

// Uniform in [0, 1), a pure function of its arguments.
double Hash01(uint64_t seed, uint64_t stream, int64_t n) {
  uint64_t h =
      SplitMix64(SplitMix64(seed ^ (stream * 0xd1b54a32d192ed03ULL)) ^ static_cast<uint64_t>(n));
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// The log-price offset of bar n: each octave interpolates smoothly between random values.
double Noise(uint64_t seed, int64_t n) {
  double sum = 0;
  for (size_t i = 0; i < std::size(kOctaves); ++i) {
    const Octave& o = kOctaves[i];
    int64_t k = FloorDiv(n, o.period);
    double f = static_cast<double>(n - k * o.period) / static_cast<double>(o.period);
    double s = f * f * (3 - 2 * f);
    double a = 2 * Hash01(seed, 100 + i, k) - 1;
    double b = 2 * Hash01(seed, 100 + i, k + 1) - 1;
    sum += o.amplitude * (a + (b - a) * s);
  }
  return sum;
}

int64_t BarsIn(const SessionSpan& s, Duration interval) {
  return (s.last_bar - s.first_bar) / interval + 1;
}

double Cents(int64_t cents) { return static_cast<double>(cents) / 100.0; }

}  // namespace

int64_t PriceModel::CloseCents(int64_t n) const {
  return std::llround(kBasePrice * std::exp(Noise(seed_, n)) * 100.0);
}

double PriceModel::Unit(int64_t n, uint64_t stream) const { return Hash01(seed_, stream, n); }

int64_t PriceModel::BarsBeforeDay(date::local_days day) const {
  int64_t i = std::max<int64_t>(0, (day - kAnchor).count());
  MutexLock lock(mu_);
  if (bars_before_.empty()) bars_before_.push_back(0);
  while (static_cast<int64_t>(bars_before_.size()) <= i) {
    date::local_days d = kAnchor + date::days(bars_before_.size() - 1);
    int64_t bars = 0;
    for (const SessionSpan& s : calendar_->SessionsOn(d))
      bars += BarsIn(s, calendar_->bar_interval());
    bars_before_.push_back(bars_before_.back() + bars);
  }
  return bars_before_[i];
}

int64_t PriceModel::PositionInDay(date::local_days day, Time bar) const {
  int64_t position = 0;
  for (const SessionSpan& s : calendar_->SessionsOn(day)) {
    if (bar < s.first_bar) break;
    if (bar <= s.last_bar) return position + (bar - s.first_bar) / calendar_->bar_interval();
    position += BarsIn(s, calendar_->bar_interval());
  }
  return -1;  // not a bar of this day
}

int64_t PriceModel::BarIndex(Time bar) const {
  date::local_days day = calendar_->LocalDay(bar);
  int64_t position = PositionInDay(day, bar);
  if (position < 0) {  // a session that runs past local midnight, or not a calendar bar
    int64_t before = PositionInDay(day - date::days(1), bar);
    if (before >= 0) return BarsBeforeDay(day - date::days(1)) + before;
    position = 0;
  }
  return BarsBeforeDay(day) + position;
}

BarPrices PriceModel::Prices(Time bar, BarShape shape) const {
  int64_t n = BarIndex(bar);
  int64_t open = CloseCents(n - 1);
  int64_t close = CloseCents(n);
  if (shape == BarShape::kPriceJump) {
    close = std::llround(static_cast<double>(open) * (n % 2 == 0 ? 1 + kJump : 1 - kJump));
  }
  double wick = std::max(1.0, static_cast<double>(open) * kWick);
  auto up = static_cast<int64_t>(Unit(n, 1) * wick);
  auto down = static_cast<int64_t>(Unit(n, 2) * wick);
  int64_t high = std::max(open, close) + up;
  int64_t low = std::min(open, close) - down;
  if (shape == BarShape::kOhlcInconsistent) {
    high = std::min(open, close) - 1 - up;
    low = std::max(open, close) + 1 + down;
  }
  if (shape == BarShape::kNonPositive) low = 0;
  double volume = 100 + std::floor(Unit(n, 3) * 900);
  return {Cents(open), Cents(high), Cents(low), Cents(close), volume};
}

}  // namespace usdcop::sim
