#include "market/bar_book.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace usdcop {
namespace {

constexpr double kMadToSigma = 1.4826;  // MAD of a normal distribution -> its standard deviation
constexpr double kMinSigma = 1e-5;      // a flat series still needs a real move to count as a jump

constexpr std::int64_t kDay = 86400;

std::int64_t Seconds(SysTime t) {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}
// The UTC day number of a Unix second (floor division).
std::int64_t DayOf(std::int64_t t) { return t >= 0 ? t / kDay : -((-t + kDay - 1) / kDay); }

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
    case BarFlaw::kOhlcInconsistent:
      return "ohlc_inconsistent";
    case BarFlaw::kNonPositive:
      return "non_positive";
    case BarFlaw::kPriceJump:
      return "price_jump";
    case BarFlaw::kNullPrice:
      return "null_price";
    case BarFlaw::kOffGrid:
      return "off_grid";
    case BarFlaw::kOffSession:
      return "off_session";
  }
  return "null_price";
}

namespace {

// The indexes i of the returns that are jumps (return i leads into close i + 1).
std::vector<size_t> JumpsInReturns(const std::vector<double>& r, double k) {
  std::vector<size_t> out;
  if (r.size() < 2) return out;
  const double m = Median(r);
  std::vector<double> dev(r.size());
  for (size_t i = 0; i < r.size(); ++i) dev[i] = std::abs(r[i] - m);
  const double sigma = std::max(kMadToSigma * Median(dev), kMinSigma);
  for (size_t i = 0; i < r.size(); ++i) {
    if (dev[i] <= k * sigma) continue;
    bool reverts_previous = !out.empty() && out.back() == i && (r[i] - m) * (r[i - 1] - m) < 0;
    if (!reverts_previous) out.push_back(i + 1);
  }
  return out;
}

}  // namespace

std::vector<size_t> PriceJumps(const std::vector<double>& closes, double k) {
  if (closes.size() < 3) return {};
  std::vector<double> r(closes.size() - 1);
  for (size_t i = 1; i < closes.size(); ++i) r[i - 1] = std::log(closes[i] / closes[i - 1]);
  return JumpsInReturns(r, k);
}

std::size_t CountPriceJumps(const std::vector<double>& returns, double k) {
  return JumpsInReturns(returns, k).size();
}

void BarBook::Add(const BarRow& row) {
  const auto t = static_cast<std::int64_t>(std::floor(row.time));
  days_.erase(DayOf(t));
  Bar& bar = bars_[t];
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
  const std::int64_t cut = Seconds(now - keep_);
  bars_.erase(bars_.begin(), bars_.lower_bound(cut));
  days_.erase(days_.begin(),
              days_.lower_bound(DayOf(cut + kDay - 1)));  // every day that began before the cut
}

BarBook::Segment BarBook::Summarize(SysTime from, std::int64_t expected_until,
                                    SysTime rows_until) const {
  Segment seg;
  const std::int64_t interval_s =
      std::chrono::duration_cast<std::chrono::seconds>(calendar_->bar_interval()).count();
  const std::vector<SysTime> calendar_bars = calendar_->Bars(from, rows_until);
  // Expected bars against present ones: both sorted, walked side by side.
  std::int64_t run = 0;
  bool seen = false;
  auto present = bars_.lower_bound(Seconds(from));
  for (const SysTime& b : calendar_bars) {
    const std::int64_t t = Seconds(b);
    if (t > expected_until) break;
    seg.expected++;
    while (present != bars_.end() && present->first < t) ++present;
    if (present == bars_.end() || present->first != t || present->second.rows == 0) {
      run++;
      continue;
    }
    seg.observed++;
    if (run > 0 && !seen) seg.lead = run;
    if (run > 0 && seen) {
      seg.inner_gaps++;
      seg.inner_longest = std::max(seg.inner_longest, run);
    }
    run = 0;
    seen = true;
  }
  if (!seen) seg.lead = run;
  seg.trail = run;

  // Rows present, whether expected yet or not.
  auto on_calendar = calendar_bars.begin();
  const std::int64_t end = Seconds(rows_until);
  auto count = [&seg](BarFlaw f, std::int64_t n) { seg.flaws[static_cast<size_t>(f)] += n; };
  for (auto it = bars_.lower_bound(Seconds(from)); it != bars_.end() && it->first < end; ++it) {
    const auto& [t, bar] = *it;
    while (on_calendar != calendar_bars.end() && Seconds(*on_calendar) < t) ++on_calendar;
    seg.duplicates += bar.rows > 1 ? bar.rows - 1 : 0;
    if (t % interval_s != 0) {
      count(BarFlaw::kOffGrid, 1);
    } else if (on_calendar == calendar_bars.end() || Seconds(*on_calendar) != t) {
      count(BarFlaw::kOffSession, 1);
    } else if (bar.close && !bar.non_positive) {
      if (seg.last_close) seg.returns.push_back(std::log(*bar.close / *seg.last_close));
      if (!seg.first_close) seg.first_close = bar.close;
      seg.last_close = bar.close;
    }
    count(BarFlaw::kNullPrice, bar.null_price);
    count(BarFlaw::kNonPositive, bar.non_positive);
    count(BarFlaw::kOhlcInconsistent, bar.ohlc_inconsistent);
  }
  return seg;
}

const BarBook::Segment& BarBook::Day(std::int64_t day) const {
  auto it = days_.find(day);
  if (it != days_.end()) return it->second;
  const SysTime start{std::chrono::seconds(day * kDay)},
      end{std::chrono::seconds((day + 1) * kDay)};
  return days_.emplace(day, Summarize(start, (day + 1) * kDay - 1, end)).first->second;
}

WindowStats BarBook::Window(const std::string& name, SysTime from, SysTime now, Duration grace,
                            double jump_k) const {
  // The expected bars are those closed, plus the grace, by now.
  const std::int64_t due = Seconds(now - calendar_->bar_interval() - grace);
  // Whole days: from their start on or after `from` to their end by `due`.
  const std::int64_t first_day =
      DayOf(std::chrono::ceil<std::chrono::seconds>(from).time_since_epoch().count() + kDay - 1);
  const std::int64_t end_day = DayOf(due);  // days d < end_day end by due
  std::vector<Segment> edges;
  std::vector<const Segment*> parts;
  if (first_day < end_day) {
    const SysTime first_start{std::chrono::seconds(first_day * kDay)},
        last_end{std::chrono::seconds(end_day * kDay)};
    edges.reserve(2);
    edges.push_back(Summarize(from, first_day * kDay - 1, first_start));
    parts.push_back(&edges.back());
    for (std::int64_t d = first_day; d < end_day; ++d) parts.push_back(&Day(d));
    edges.push_back(Summarize(last_end, due, now));
    parts.push_back(&edges.back());
  } else {
    edges.push_back(Summarize(from, due, now));
    parts.push_back(&edges.back());
  }

  WindowStats w;
  w.window = name;
  std::int64_t run = 0, longest = 0;
  std::vector<double> returns;
  std::optional<double> last_close;
  for (const Segment* seg : parts) {
    w.expected += seg->expected;
    w.observed += seg->observed;
    w.duplicates += seg->duplicates;
    for (BarFlaw f : kAllBarFlaws) w.flaws[f] += seg->flaws[static_cast<size_t>(f)];
    if (seg->observed == 0) {
      run += seg->expected;
    } else {
      run += seg->lead;  // closes the run that reached into this segment
      if (run > 0) w.gaps++;
      longest = std::max({longest, run, seg->inner_longest});
      w.gaps += seg->inner_gaps;
      run = seg->trail;
    }
    if (seg->first_close) {
      if (last_close) returns.push_back(std::log(*seg->first_close / *last_close));
      returns.insert(returns.end(), seg->returns.begin(), seg->returns.end());
      last_close = seg->last_close;
    }
  }
  if (run > 0) w.gaps++;
  longest = std::max(longest, run);
  w.missing = w.expected - w.observed;
  w.largest_gap_seconds = static_cast<double>(
      longest *
      std::chrono::duration_cast<std::chrono::seconds>(calendar_->bar_interval()).count());
  for (BarFlaw f : kAllBarFlaws) w.flaws.try_emplace(f, 0);
  w.flaws[BarFlaw::kPriceJump] = static_cast<std::int64_t>(CountPriceJumps(returns, jump_k));
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
