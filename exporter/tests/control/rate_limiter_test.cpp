// control/rate_limiter.cpp: a token bucket per key, on steady time.
#include "control/rate_limiter.h"

#include <gtest/gtest.h>

#include "common/units.h"
#include "support/fake_clock.h"

namespace usdcop {
namespace {

TEST(RateLimiterTest, ABucketRefillsAtItsRate) {
  FakeClock clock(*ParseTimestamp("2026-11-25T12:00:00Z"));
  RateLimiter limiter(clock, 2, 2);  // 2 per second, burst 2
  EXPECT_FALSE(limiter.Take("a"));
  EXPECT_FALSE(limiter.Take("a"));
  auto wait = limiter.Take("a");
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 1);
  EXPECT_FALSE(limiter.Take("b")) << "each key has its own bucket";
  clock.Advance(std::chrono::milliseconds(500));
  EXPECT_FALSE(limiter.Take("a"));
  EXPECT_TRUE(limiter.Take("a"));
  RateLimiter slow(clock, 0.1, 1);  // one per 10 s
  EXPECT_FALSE(slow.Take("a"));
  EXPECT_EQ(slow.Take("a").value_or(0), 10);
}

TEST(RateLimiterTest, WallClockStepsDoNotRefillABucket) {
  FakeClock clock(*ParseTimestamp("2026-11-25T12:00:00Z"));
  RateLimiter limiter(clock, 1, 1);
  EXPECT_FALSE(limiter.Take("a"));
  clock.Set(clock.Now() + std::chrono::hours(1));  // the wall clock set forward
  EXPECT_EQ(limiter.Take("a").value_or(0), 1);
  clock.Advance(std::chrono::seconds(1));
  EXPECT_FALSE(limiter.Take("a"));
}

TEST(RateLimiterTest, ANewRateKeepsAnEmptyBucketEmpty) {
  FakeClock clock(*ParseTimestamp("2026-11-25T12:00:00Z"));
  RateLimiter limiter(clock, 1, 3);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.Take("a"));
  limiter.SetRates(0.5, 10);  // a reload: the bucket is not refilled
  EXPECT_EQ(limiter.Take("a").value_or(0), 2);
  clock.Advance(std::chrono::seconds(2));
  EXPECT_FALSE(limiter.Take("a"));
  EXPECT_TRUE(limiter.Take("a"));
}

}  // namespace
}  // namespace usdcop
