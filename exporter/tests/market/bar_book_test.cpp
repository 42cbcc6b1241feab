#include "market/bar_book.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

namespace usdcop {
namespace {

using namespace std::chrono_literals;

SysTime T(const char* iso) { return *ParseTimestamp(iso); }
double S(const char* iso) { return ToUnixSeconds(T(iso)); }

class BarBookTest : public ::testing::Test {
 protected:
  std::shared_ptr<const TradingCalendar> calendar_ = *TradingCalendar::Create(CalendarConfig{});
  BarBook book_{calendar_, std::chrono::hours(24 * 31)};

  // A sane bar at `t` (Unix seconds) with close `c`.
  void Put(double t, double c = 4000.0) { book_.Add(BarRow{t, true, c, c + 1, c - 1, c, t + 302}); }
  // Every calendar bar of [from, to), minus those in `skip` (indexes).
  void Fill(SysTime from, SysTime to, std::set<size_t> skip = {}) {
    auto bars = calendar_->Bars(from, to);
    for (size_t i = 0; i < bars.size(); ++i)
      if (!skip.count(i))
        Put(ToUnixSeconds(bars[i]), 4000.0 + 0.5 * std::sin(static_cast<double>(i)));
  }
};

// 2026-11-24 (Tue): session 13:00Z..17:55Z (08:00..12:55 Bogota).
TEST_F(BarBookTest, ACompleteSessionSoFar) {
  Fill(T("2026-11-24T13:00:00Z"), T("2026-11-24T14:00:00Z"));  // 12 bars
  // At 14:00:30Z with a 30 s grace, bars up to 13:55 are due (13:55 + 5m + 30s = 14:00:30).
  WindowStats w =
      book_.Window("session", T("2026-11-24T13:00:00Z"), T("2026-11-24T14:00:30Z"), 30s, 8);
  EXPECT_EQ(w.expected, 12);
  EXPECT_EQ(w.observed, 12);
  EXPECT_EQ(w.missing, 0);
  EXPECT_EQ(w.gaps, 0);
  EXPECT_DOUBLE_EQ(w.completeness(), 1.0);
  // One second earlier the 13:55 bar is not due yet.
  EXPECT_EQ(book_.Window("session", T("2026-11-24T13:00:00Z"), T("2026-11-24T14:00:29Z"), 30s, 8)
                .expected,
            11);
}

TEST_F(BarBookTest, GapsAreRunsOfMissingBars) {
  // Bars 2,3,4 and 8 missing: two gaps, the longest three bars = 900 s.
  Fill(T("2026-11-24T13:00:00Z"), T("2026-11-24T14:00:00Z"), {2, 3, 4, 8});
  WindowStats w =
      book_.Window("session", T("2026-11-24T13:00:00Z"), T("2026-11-24T14:01:00Z"), 30s, 8);
  EXPECT_EQ(w.expected, 12);
  EXPECT_EQ(w.observed, 8);
  EXPECT_EQ(w.missing, 4);
  EXPECT_EQ(w.gaps, 2);
  EXPECT_DOUBLE_EQ(w.largest_gap_seconds, 900);
  EXPECT_DOUBLE_EQ(w.completeness(), 8.0 / 12);
}

TEST_F(BarBookTest, ThirtyDaysAcrossHolidaysAndWeekendsGiveExactCounts) {
  // 2026-10-26 .. 2026-11-25: 22 weekdays, of which Nov 2 and Nov 16 are holidays: 20 sessions.
  const SysTime from = T("2026-10-26T05:00:00Z"), now = T("2026-11-25T05:00:00Z");
  Fill(from, now, {0, 100});
  WindowStats w = book_.Window("30d", from, now, 30s, 8);
  EXPECT_EQ(w.expected, 20 * 60);
  EXPECT_EQ(w.observed, 20 * 60 - 2);
  EXPECT_EQ(w.gaps, 2);
  EXPECT_DOUBLE_EQ(w.largest_gap_seconds, 300);
}

TEST_F(BarBookTest, DuplicatesAndBadRowsAreCountedByReason) {
  Fill(T("2026-11-24T13:00:00Z"), T("2026-11-24T14:00:00Z"));
  Put(S("2026-11-24T13:05:00Z"));  // a duplicate row
  Put(S("2026-11-24T13:05:00Z"));  // and another
  book_.Add(BarRow{
      S("2026-11-24T13:07:00Z"), true, 4000, 4001, 3999, 4000, {}});  // off the 5-minute grid
  book_.Add(
      BarRow{S("2026-11-24T19:00:00Z"), true, 4000, 4001, 3999, 4000, {}});  // after the session
  book_.Add(BarRow{S("2026-11-24T14:00:00Z"), true, 4000, 3990, 4010, 4000, {}});  // high below low
  book_.Add(BarRow{S("2026-11-24T14:05:00Z"), true, 4000, 4001, 0, 4000, {}});     // a zero price
  book_.Add(
      BarRow{S("2026-11-24T14:10:00Z"), true, std::nullopt, 4001, 3999, 4000, {}});  // NULL open
  WindowStats w =
      book_.Window("session", T("2026-11-24T13:00:00Z"), T("2026-11-24T20:00:00Z"), 30s, 8);
  EXPECT_EQ(w.duplicates, 2);
  EXPECT_EQ(w.flaws[BarFlaw::kOffGrid], 1);
  EXPECT_EQ(w.flaws[BarFlaw::kOffSession], 1);
  EXPECT_EQ(w.flaws[BarFlaw::kOhlcInconsistent], 1);
  EXPECT_EQ(w.flaws[BarFlaw::kNonPositive], 1);
  EXPECT_EQ(w.flaws[BarFlaw::kNullPrice], 1);
  EXPECT_EQ(w.observed, 15);  // bad rows are still present bars
}

TEST_F(BarBookTest, APriceSpikeIsOnePriceJump) {
  auto bars = calendar_->Bars(T("2026-11-24T13:00:00Z"), T("2026-11-24T18:00:00Z"));
  for (size_t i = 0; i < bars.size(); ++i) {
    double c = 4000.0 + 0.4 * std::sin(static_cast<double>(i) * 0.7);
    if (i == 30) c *= 1.03;  // a 3 % spike, back to the trend on the next bar
    Put(ToUnixSeconds(bars[i]), c);
  }
  WindowStats w =
      book_.Window("session", T("2026-11-24T13:00:00Z"), T("2026-11-24T18:01:00Z"), 30s, 8);
  EXPECT_EQ(w.flaws[BarFlaw::kPriceJump], 1);
}

TEST(PriceJumps, FlagsTheSpikeNotItsReturnAndNotNoise) {
  std::vector<double> closes;
  for (int i = 0; i < 50; ++i) closes.push_back(4000 + 0.3 * std::cos(i));
  EXPECT_TRUE(PriceJumps(closes, 8).empty());
  closes[20] = 4200;
  EXPECT_THAT(PriceJumps(closes, 8), ::testing::ElementsAre(20u));
  closes[20] = closes[19];
  for (size_t i = 35; i < closes.size(); ++i) closes[i] += 150;  // a level shift: one jump
  EXPECT_THAT(PriceJumps(closes, 8), ::testing::ElementsAre(35u));
  EXPECT_TRUE(PriceJumps({4000, 4100}, 8).empty());  // too few to judge
}

TEST_F(BarBookTest, StalenessIsCalendarAware) {
  Fill(T("2026-11-24T13:00:00Z"), T("2026-11-24T14:00:00Z"));         // last bar 13:55
  EXPECT_EQ(book_.Staleness(T("2026-11-24T14:00:30Z"), 30s), 0.0);    // 13:55 just due, present
  EXPECT_EQ(book_.Staleness(T("2026-11-24T14:10:30Z"), 30s), 600.0);  // 14:05 due, 13:55 present
  Fill(T("2026-11-24T14:00:00Z"), T("2026-11-24T18:00:00Z"));
  EXPECT_EQ(book_.Staleness(T("2026-11-25T02:00:00Z"), 30s), 0.0);  // closed and complete
  EXPECT_EQ(book_.Staleness(T("2026-11-25T13:15:30Z"), 30s),
            69300.0);  // 13:10 due, 17:55 of the day before present
  BarBook empty(calendar_, std::chrono::hours(24));
  EXPECT_EQ(empty.Staleness(T("2026-11-25T13:15:30Z"), 30s), std::nullopt);
}

TEST_F(BarBookTest, PruneForgetsBarsOutsideTheLongestWindow) {
  Fill(T("2026-10-01T00:00:00Z"), T("2026-11-25T00:00:00Z"));
  size_t before = book_.size();
  book_.Prune(T("2026-11-25T00:00:00Z"));
  EXPECT_LT(book_.size(), before);
  EXPECT_EQ(
      book_.Window("30d", T("2026-10-26T05:00:00Z"), T("2026-11-25T05:00:00Z"), 30s, 8).missing, 0);
}

// The day-cached windows against a plain reference: every window recomputed from all the rows
// from scratch, straight from the definitions, over randomised books that take rows in random
// order (late rows and backfills into cached days included) while time moves on.
std::int64_t Sec(SysTime t) {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

// The reference: the window's figures from the list of all rows, by the definitions in
// bar_book.h and DESIGN.md, with no memory between calls.
WindowStats Reference(const TradingCalendar& cal, const std::vector<BarRow>& rows, SysTime from,
                      SysTime now, Duration grace, double k) {
  struct Folded {
    int rows = 0;
    bool null_price = false, non_positive = false, inconsistent = false;
    std::optional<double> close;
  };
  std::map<std::int64_t, Folded> bars;
  for (const BarRow& r : rows) {
    Folded& f = bars[static_cast<std::int64_t>(std::floor(r.time))];
    f.rows++;
    if (!r.close || (r.has_ohlc && (!r.open || !r.high || !r.low))) {
      f.null_price = true;
      continue;
    }
    for (const auto& p : {r.open, r.high, r.low, r.close})
      if (p && *p <= 0) f.non_positive = true;
    if (r.has_ohlc && (*r.high < *r.low || *r.high < std::max(*r.open, *r.close) ||
                       *r.low > std::min(*r.open, *r.close)))
      f.inconsistent = true;
    if (!f.close && *r.close > 0) f.close = *r.close;
  }
  WindowStats w;
  const std::int64_t interval =
      std::chrono::duration_cast<std::chrono::seconds>(cal.bar_interval()).count();
  const auto cal_bars = cal.Bars(from, now);
  const SysTime due = now - cal.bar_interval() - grace;
  std::int64_t run = 0, longest = 0;
  for (const SysTime& b : cal_bars) {
    if (b > due) break;
    w.expected++;
    if (bars.count(Sec(b))) {
      w.observed++;
      run = 0;
    } else {
      if (run++ == 0) w.gaps++;
      longest = std::max(longest, run);
    }
  }
  w.missing = w.expected - w.observed;
  w.largest_gap_seconds = static_cast<double>(longest * interval);
  for (BarFlaw f : kAllBarFlaws) w.flaws[f] = 0;
  std::vector<double> closes;
  for (auto it = bars.lower_bound(Sec(from)); it != bars.end() && it->first < Sec(now); ++it) {
    const auto& [t, bar] = *it;
    w.duplicates += bar.rows - 1;
    const bool on_cal =
        std::binary_search(cal_bars.begin(), cal_bars.end(), SysTime(std::chrono::seconds(t)));
    if (t % interval != 0)
      w.flaws[BarFlaw::kOffGrid]++;
    else if (!on_cal)
      w.flaws[BarFlaw::kOffSession]++;
    else if (bar.close && !bar.non_positive)
      closes.push_back(*bar.close);
    w.flaws[BarFlaw::kNullPrice] += bar.null_price;
    w.flaws[BarFlaw::kNonPositive] += bar.non_positive;
    w.flaws[BarFlaw::kOhlcInconsistent] += bar.inconsistent;
  }
  w.flaws[BarFlaw::kPriceJump] = static_cast<std::int64_t>(PriceJumps(closes, k).size());
  return w;
}

void ExpectSame(const WindowStats& got, const WindowStats& want, const std::string& where) {
  EXPECT_EQ(got.expected, want.expected) << where;
  EXPECT_EQ(got.observed, want.observed) << where;
  EXPECT_EQ(got.missing, want.missing) << where;
  EXPECT_EQ(got.gaps, want.gaps) << where;
  EXPECT_EQ(got.largest_gap_seconds, want.largest_gap_seconds) << where;
  EXPECT_EQ(got.duplicates, want.duplicates) << where;
  for (BarFlaw f : kAllBarFlaws)
    EXPECT_EQ(got.flaws.at(f), want.flaws.at(f)) << where << " " << BarFlawName(f);
}

struct Scenario {
  const char* name;
  CalendarConfig calendar;
};

CalendarConfig AroundTheClock() {
  CalendarConfig c;
  c.timezone = "UTC";
  c.sessions = {CalendarConfig::Session{
      {0, 1, 2, 3, 4, 5, 6}, std::chrono::minutes(0), std::chrono::minutes(23 * 60 + 55)}};
  c.colombia_holidays = false;
  return c;
}

class BarBookOracle : public ::testing::TestWithParam<int> {};

TEST_P(BarBookOracle, DayCachedWindowsEqualTheReferenceAsRowsArriveInAnyOrder) {
  const bool usdcop = GetParam() % 2 == 0;
  auto cal = *TradingCalendar::Create(usdcop ? CalendarConfig{} : AroundTheClock());
  std::mt19937_64 rng(static_cast<std::uint64_t>(GetParam()) * 7919 + 1);
  auto chance = [&rng](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };

  const SysTime start = *ParseTimestamp("2026-10-01T00:00:00Z");
  const SysTime end = *ParseTimestamp("2026-11-24T16:07:13Z");
  // Every row the table will ever hold, then fed in a shuffled-by-chunks order.
  std::vector<BarRow> all;
  double price = 4000;
  bool in_gap = false;
  for (const SysTime& b : cal->Bars(start, end)) {
    const double t = ToUnixSeconds(b);
    if (chance(in_gap ? 0.8 : 0.02)) {
      in_gap = true;
      continue;
    }  // runs of missing bars, some long
    in_gap = false;
    price *= std::exp(std::normal_distribution<double>(0, 0.0002)(rng));
    double c = chance(0.005) ? price * 1.04 : price;  // a spike
    BarRow r{t, true, price, std::max(price, c) + 1, std::min(price, c) - 1, c, t + 302, t + 302};
    if (chance(0.01)) r.close.reset();           // null price
    if (chance(0.01)) r.low = 0;                 // non-positive
    if (chance(0.01)) std::swap(r.high, r.low);  // inconsistent
    all.push_back(r);
    if (chance(0.02)) all.push_back(r);  // duplicate row
    if (chance(0.01))
      all.push_back(
          BarRow{t + 17, true, price, price + 1, price - 1, price, t + 320, t + 320});  // off grid
    if (usdcop && chance(0.01))
      all.push_back(
          BarRow{t + 8 * 3600, true, price, price + 1, price - 1, price, t, t});  // off session
  }
  std::shuffle(all.begin(), all.end(), rng);
  std::stable_sort(all.begin(), all.end(), [](const BarRow& a, const BarRow& b) {
    return std::floor(a.time / 86400 / 3) <
           std::floor(b.time / 86400 / 3);  // mostly in order, 3-day chunks shuffled
  });

  BarBook book(cal, std::chrono::hours(24 * 31));
  std::vector<BarRow> seen;
  SysTime now = start + std::chrono::hours(24 * 3);
  size_t next = 0;
  int checks = 0;
  for (int step = 0; step < 120 && next < all.size(); ++step) {
    // Some rows arrive (a batch, or a late backfill into a day already summarised).
    size_t batch = std::uniform_int_distribution<size_t>(1, all.size() / 30)(rng);
    for (size_t i = 0; i < batch && next < all.size(); ++i, ++next) {
      if (all[next].time >= ToUnixSeconds(now))
        now =
            SysTime(std::chrono::microseconds(static_cast<long long>((all[next].time + 1) * 1e6)));
      book.Add(all[next]);
      seen.push_back(all[next]);
    }
    now += std::chrono::seconds(std::uniform_int_distribution<int>(1, 5000)(rng));
    book.Prune(now);
    seen.erase(std::remove_if(seen.begin(), seen.end(),
                              [&](const BarRow& r) {
                                return r.time <
                                       static_cast<double>(Sec(now - std::chrono::hours(24 * 31)));
                              }),
               seen.end());
    for (Duration span :
         {Duration(std::chrono::hours(24 * 30)), Duration(std::chrono::hours(24 * 7)),
          Duration(std::chrono::hours(30)), Duration(std::chrono::minutes(90))}) {
      const SysTime from = now - span;
      const std::string where =
          "step " + std::to_string(step) + " span " + std::to_string(span.count());
      ExpectSame(book.Window("w", from, now, 30s, 8), Reference(*cal, seen, from, now, 30s, 8),
                 where);
      ++checks;
    }
    if (::testing::Test::HasFailure()) break;
  }
  EXPECT_GT(checks, 100);
  EXPECT_GT(book.cached_days(), 5u);  // the days were reused, not recomputed
}

INSTANTIATE_TEST_SUITE_P(Seeds, BarBookOracle, ::testing::Range(0, 6));

}  // namespace
}  // namespace usdcop
