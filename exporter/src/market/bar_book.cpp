#include "market/bar_book.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace usdcop {
namespace {

constexpr double kMadToSigma = 1.4826;  // MAD of a normal distribution -> its standard deviation
constexpr double kMinSigma = 1e-5;      // a flat series still needs a real move to count as a jump

std::int64_t Seconds(SysTime t) { return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count(); }

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  double upper = v[mid];
  if (v.size() % 2 == 1) return upper;
  return (upper + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid))) / 2;
}

}  // namespace

const char* BarFlawName(BarFlaw f) {
  switch (f) {
    case BarFlaw::kOhlcInconsistent: return "ohlc_inconsistent";
    case BarFlaw::kNonPositive: return "non_positive";
    case BarFlaw::kPriceJump: return "price_jump";
    case BarFlaw::kNullPrice: return "null_price";
    case BarFlaw::kOffGrid: return "off_grid";
    case BarFlaw::kOffSession: return "off_session";
  }
  return "null_price";
}

std::vector<size_t> PriceJumps(const std::vector<double>& closes, double k) {
  std::vector<size_t> out;
  if (closes.size() < 3) return out;
  std::vector<double> r(closes.size() - 1);
  for (size_t i = 1; i < closes.size(); ++i) r[i - 1] = std::log(closes[i] / closes[i - 1]);
  const double m = Median(r);
  std::vector<double> dev(r.size());
  for (size_t i = 0; i < r.size(); ++i) dev[i] = std::abs(r[i] - m);
  const double sigma = std::max(kMadToSigma * Median(dev), kMinSigma);
  for (size_t i = 0; i < r.size(); ++i) {
    if (dev[i] <= k * sigma) continue;
    bool reverts_previous = !out.empty() && out.back() == i && (r[i] - m) * (r[i - 1] - m) < 0;
    if (!reverts_previous) out.push_back(i + 1);  // return i leads into close i + 1
  }
  return out;
}

void BarBook::Add(const BarRow& row) {
  Bar& bar = bars_[static_cast<std::int64_t>(std::floor(row.time))];
  bar.rows++;
  const bool complete = row.close && (!row.has_ohlc || (row.open && row.high && row.low));
  if (!complete) {
    bar.null_price = true;
    return;
  }
  for (const auto& p : {row.open, row.high, row.low, row.close})
    if (p && *p <= 0) bar.non_positive = true;
  if (row.has_ohlc && (*row.high < *row.low || *row.high < std::max(*row.open, *row.close) ||
                       *row.low > std::min(*row.open, *row.close)))
    bar.ohlc_inconsistent = true;
  if (!bar.close && *row.close > 0) bar.close = *row.close;
}

void BarBook::Prune(SysTime now) {
  bars_.erase(bars_.begin(), bars_.lower_bound(Seconds(now - keep_)));
}

WindowStats BarBook::Window(const std::string& name, SysTime from, SysTime now, Duration grace, double jump_k) const {
  WindowStats w;
  w.window = name;
  const Duration interval = calendar_->bar_interval();
  const std::int64_t interval_s = std::chrono::duration_cast<std::chrono::seconds>(interval).count();
  // The calendar's bars in the window; the expected ones are those closed, plus the grace, by now.
  const std::vector<SysTime> calendar_bars = calendar_->Bars(from, now);
  const SysTime due = now - interval - grace;
  const auto expected_end = std::upper_bound(calendar_bars.begin(), calendar_bars.end(), due);
  w.expected = static_cast<std::int64_t>(expected_end - calendar_bars.begin());
  // Both sequences are sorted: walk them side by side.
  std::int64_t run = 0, longest = 0;
  auto present = bars_.lower_bound(Seconds(from));
  for (auto b = calendar_bars.begin(); b != expected_end; ++b) {
    const std::int64_t t = Seconds(*b);
    while (present != bars_.end() && present->first < t) ++present;
    if (present != bars_.end() && present->first == t && present->second.rows > 0) {
      w.observed++;
      run = 0;
      continue;
    }
    if (run++ == 0) w.gaps++;
    longest = std::max(longest, run);
  }
  w.missing = w.expected - w.observed;
  w.largest_gap_seconds = static_cast<double>(longest * interval_s);

  // Rows present in the window, whether expected yet or not.
  for (BarFlaw f : kAllBarFlaws) w.flaws[f] = 0;
  std::vector<double> closes;
  auto on_calendar = calendar_bars.begin();
  for (auto it = bars_.lower_bound(Seconds(from)); it != bars_.end() && it->first < Seconds(now); ++it) {
    const auto& [t, bar] = *it;
    while (on_calendar != calendar_bars.end() && Seconds(*on_calendar) < t) ++on_calendar;
    w.duplicates += bar.rows > 1 ? bar.rows - 1 : 0;
    if (t % interval_s != 0) w.flaws[BarFlaw::kOffGrid]++;
    else if (on_calendar == calendar_bars.end() || Seconds(*on_calendar) != t) w.flaws[BarFlaw::kOffSession]++;
    else if (bar.close && !bar.non_positive) closes.push_back(*bar.close);
    w.flaws[BarFlaw::kNullPrice] += bar.null_price;
    w.flaws[BarFlaw::kNonPositive] += bar.non_positive;
    w.flaws[BarFlaw::kOhlcInconsistent] += bar.ohlc_inconsistent;
  }
  w.flaws[BarFlaw::kPriceJump] = static_cast<std::int64_t>(PriceJumps(closes, jump_k).size());
  return w;
}

std::optional<double> BarBook::LastBar() const {
  if (bars_.empty()) return std::nullopt;
  return static_cast<double>(bars_.rbegin()->first);
}

std::optional<double> BarBook::Staleness(SysTime now, Duration grace) const {
  auto newest_present = bars_.upper_bound(Seconds(now));  // bars from the future do not count
  if (newest_present == bars_.begin()) return std::nullopt;
  --newest_present;
  const SysTime cutoff = now - calendar_->bar_interval() - grace;
  auto session = calendar_->CurrentOrLastSession(cutoff);
  if (!session) return 0.0;
  auto due = calendar_->Bars(session->first_bar, cutoff + std::chrono::microseconds(1));
  if (due.empty()) return 0.0;
  double lag = static_cast<double>(Seconds(due.back()) - newest_present->first);
  return std::max(lag, 0.0);
}

}  // namespace usdcop
