#include "common/units.h"

#include <gtest/gtest.h>

namespace usdcop {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(ParseDuration, AcceptsPrometheusSyntax) {
  EXPECT_EQ(ParseDuration("30s"), seconds(30));
  EXPECT_EQ(ParseDuration("5m"), minutes(5));
  EXPECT_EQ(ParseDuration("1h30m"), minutes(90));
  EXPECT_EQ(ParseDuration("250ms"), Duration(250));
  EXPECT_EQ(ParseDuration("30d"), hours(24 * 30));
  EXPECT_EQ(ParseDuration("1w"), hours(24 * 7));
  EXPECT_EQ(ParseDuration("1m30s500ms"), Duration(90500));
}

TEST(ParseDuration, RejectsEverythingElse) {
  for (const char* bad :
       {"", "5x", "5", "m", "-5s", "1.5h", "5m1h", "1m1m", "5 m", "s5", "99999999999999y"})
    EXPECT_EQ(ParseDuration(bad), std::nullopt) << bad;
}

TEST(ParseDuration, TakesAtMostAThousandYearsWhateverTheParts) {
  EXPECT_EQ(ParseDuration("1000y"), hours(24 * 365 * 1000));
  EXPECT_EQ(ParseDuration("999y52w"), hours(24 * (365 * 999 + 52 * 7)));
  // Each part within the bound, the whole beyond it: its spelling "1001y..." would not parse
  // (found by the fuzz target units, fuzz/regressions/units/).
  EXPECT_EQ(ParseDuration("1000y10553h71s"), std::nullopt);
  EXPECT_EQ(ParseDuration("1000y1ms"), std::nullopt);
  for (const char* text : {"1000y", "999y52w23h59m59s999ms", "1h30m"})
    EXPECT_EQ(ParseDuration(FormatDuration(*ParseDuration(text))), ParseDuration(text)) << text;
}

TEST(FormatDuration, IsTheShortestSpelling) {
  EXPECT_EQ(FormatDuration(Duration(90000)), "1m30s");
  EXPECT_EQ(FormatDuration(Duration(0)), "0s");
  EXPECT_EQ(FormatDuration(hours(24 * 8)), "1w1d");
  EXPECT_EQ(FormatDuration(Duration(1500)), "1s500ms");
}

TEST(ParseSize, TakesBinaryAndDecimalUnits) {
  EXPECT_EQ(ParseSize("200MiB"), 200ULL << 20);
  EXPECT_EQ(ParseSize("1GiB"), 1ULL << 30);
  EXPECT_EQ(ParseSize("10KB"), 10000ULL);
  EXPECT_EQ(ParseSize("512"), 512ULL);
  EXPECT_EQ(ParseSize("5XB"), std::nullopt);
  EXPECT_EQ(ParseSize("MiB"), std::nullopt);
  EXPECT_EQ(ParseSize("99999999999TiB"), std::nullopt);
}

TEST(ParseTimestamp, ReadsAirflowAndRfc3339Forms) {
  auto a = ParseTimestamp("2026-11-24T13:05:00Z");
  ASSERT_TRUE(a);
  EXPECT_DOUBLE_EQ(ToUnixSeconds(*a), 1795525500.0);
  auto b = ParseTimestamp("2026-11-24T13:05:01.123456+00:00");
  ASSERT_TRUE(b);
  EXPECT_NEAR(ToUnixSeconds(*b), 1795525501.123456, 1e-6);
  auto c = ParseTimestamp("2026-11-24T08:05:00-05:00");  // Bogota
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, *a);
  EXPECT_EQ(FormatTimestamp(*b), "2026-11-24T13:05:01.123456Z");
  auto nanos =
      ParseTimestamp("2026-11-24T13:05:01.123456789Z");  // Go's RFC3339Nano: cut to microseconds
  ASSERT_TRUE(nanos);
  EXPECT_EQ(*nanos, *b);
  auto millis = ParseTimestamp("2026-11-24T08:05:01.123-05:00");
  ASSERT_TRUE(millis);
  EXPECT_EQ(FormatTimestamp(*millis), "2026-11-24T13:05:01.123000Z");
}

TEST(ParseTimestamp, RejectsTimesWithoutOffsetOrGarbage) {
  for (const char* bad : {"", "2026-11-24", "2026-11-24T13:05:00", "yesterday",
                          "2026-13-24T13:05:00Z", "2026-11-24T13:05:00Zjunk"})
    EXPECT_EQ(ParseTimestamp(bad), std::nullopt) << bad;
}

TEST(ParseTimestamp, TakesRfc3339sShapeOnly) {
  // Seconds date.h cannot read: it used to convert their NaN to an integer, undefined behaviour
  // (UBSan's report in the fuzz target airflow, fuzz/regressions/airflow/).
  EXPECT_EQ(ParseTimestamp("2026-11-24T13:00:T13:00:00+00:00"), std::nullopt);
  EXPECT_EQ(ParseTimestamp("2026-11-24T13:05:xx+00:00"), std::nullopt);
  // What date.h took but RFC 3339 does not: one-digit fields, an offset of hours only, an empty
  // fraction.
  for (const char* loose :
       {"2026-11-24T1:05:00+00:00", "2026-1-24T13:05:00+00:00", "2026-11-24T13:05:0+00:00",
        "2026-11-24T13:05:00+05", "2026-11-24T13:05:00+5:00", "2026-11-24T13:05:00.+00:00",
        "+2026-11-24T13:05:00+00:00", "2026-11-24T13:05:00+0000"})
    EXPECT_EQ(ParseTimestamp(loose), std::nullopt) << loose;
  EXPECT_TRUE(ParseTimestamp("2026-11-24t13:05:00.5z"));
  EXPECT_TRUE(ParseTimestamp("2026-11-24 08:05:00-05:00"));
}

TEST(ParseDate, IsMidnightUtc) {
  auto d = ParseDate("2027-01-10");
  ASSERT_TRUE(d);
  EXPECT_EQ(FormatTimestamp(*d), "2027-01-10T00:00:00.000000Z");
  EXPECT_EQ(ParseDate("2027-1-10"), std::nullopt);
}

TEST(ToSeconds, KeepsTheFractionOfAnyDuration) {
  EXPECT_DOUBLE_EQ(ToSeconds(std::chrono::milliseconds(1500)), 1.5);
  EXPECT_DOUBLE_EQ(ToSeconds(std::chrono::microseconds(-250)), -0.00025);
  EXPECT_DOUBLE_EQ(ToSeconds(std::chrono::hours(2)), 7200.0);
}

TEST(SecondsSince, ReadsTheSteadyClockFromTheStart) {
  const auto start = std::chrono::steady_clock::now() - std::chrono::seconds(3);
  const double elapsed = SecondsSince(start);
  EXPECT_GE(elapsed, 3.0);
  EXPECT_LT(elapsed, 3.0 + 3600.0);  // not a timing check: only that the start is subtracted
}

}  // namespace
}  // namespace usdcop
