#include "market/bar_book.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

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
      if (!skip.count(i)) Put(ToUnixSeconds(bars[i]), 4000.0 + 0.5 * std::sin(static_cast<double>(i)));
  }
};

// 2026-11-24 (Tue): session 13:00Z..17:55Z (08:00..12:55 Bogota).
TEST_F(BarBookTest, ACompleteSessionSoFar) {
  Fill(T("2026-11-24T13:00:00Z"), T("2026-11-24T14:00:00Z"));  // 12 bars
  // At 14:00:30Z with a 30 s grace, bars up to 13:55 are due (13:55 + 5m + 30s = 14:00:30).
  WindowStats w = book_.Window("session", T("2026-11-24T13:00:00Z"), T("2026-11-24T14:00:30Z"), 30s, 8);
  EXPECT_EQ(w.expected, 12);
  EXPECT_EQ(w.observed, 12);
  EXPECT_EQ(w.missing, 0);
  EXPECT_EQ(w.gaps, 0);
  EXPECT_DOUBLE_EQ(w.completeness(), 1.0);
  // One second earlier the 13:55 bar is not due yet.
  EXPECT_EQ(book_.Window("session", T("2026-11-24T13:00:00Z"), T("2026-11-24T14:00:29Z"), 30s, 8).expected, 11);
}

TEST_F(BarBookTest, GapsAreRunsOfMissingBars) {
  // Bars 2,3,4 and 8 missing: two gaps, the longest three bars = 900 s.
  Fill(T("2026-11-24T13:00:00Z"), T("2026-11-24T14:00:00Z"), {2, 3, 4, 8});
  WindowStats w = book_.Window("session", T("2026-11-24T13:00:00Z"), T("2026-11-24T14:01:00Z"), 30s, 8);
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
  Put(S("2026-11-24T13:05:00Z"));                                                   // a duplicate row
  Put(S("2026-11-24T13:05:00Z"));                                                   // and another
  book_.Add(BarRow{S("2026-11-24T13:07:00Z"), true, 4000, 4001, 3999, 4000, {}});   // off the 5-minute grid
  book_.Add(BarRow{S("2026-11-24T19:00:00Z"), true, 4000, 4001, 3999, 4000, {}});   // after the session
  book_.Add(BarRow{S("2026-11-24T14:00:00Z"), true, 4000, 3990, 4010, 4000, {}});   // high below low
  book_.Add(BarRow{S("2026-11-24T14:05:00Z"), true, 4000, 4001, 0, 4000, {}});      // a zero price
  book_.Add(BarRow{S("2026-11-24T14:10:00Z"), true, std::nullopt, 4001, 3999, 4000, {}});  // NULL open
  WindowStats w = book_.Window("session", T("2026-11-24T13:00:00Z"), T("2026-11-24T20:00:00Z"), 30s, 8);
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
  WindowStats w = book_.Window("session", T("2026-11-24T13:00:00Z"), T("2026-11-24T18:01:00Z"), 30s, 8);
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
  Fill(T("2026-11-24T13:00:00Z"), T("2026-11-24T14:00:00Z"));  // last bar 13:55
  EXPECT_EQ(book_.Staleness(T("2026-11-24T14:00:30Z"), 30s), 0.0);   // 13:55 just due, present
  EXPECT_EQ(book_.Staleness(T("2026-11-24T14:10:30Z"), 30s), 600.0);  // 14:05 due, 13:55 present
  Fill(T("2026-11-24T14:00:00Z"), T("2026-11-24T18:00:00Z"));
  EXPECT_EQ(book_.Staleness(T("2026-11-25T02:00:00Z"), 30s), 0.0);  // closed and complete
  EXPECT_EQ(book_.Staleness(T("2026-11-25T13:15:30Z"), 30s), 69300.0);  // 13:10 due, 17:55 of the day before present
  BarBook empty(calendar_, std::chrono::hours(24));
  EXPECT_EQ(empty.Staleness(T("2026-11-25T13:15:30Z"), 30s), std::nullopt);
}

TEST_F(BarBookTest, PruneForgetsBarsOutsideTheLongestWindow) {
  Fill(T("2026-10-01T00:00:00Z"), T("2026-11-25T00:00:00Z"));
  size_t before = book_.size();
  book_.Prune(T("2026-11-25T00:00:00Z"));
  EXPECT_LT(book_.size(), before);
  EXPECT_EQ(book_.Window("30d", T("2026-10-26T05:00:00Z"), T("2026-11-25T05:00:00Z"), 30s, 8).missing, 0);
}

}  // namespace
}  // namespace usdcop
