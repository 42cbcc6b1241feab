// http/connection_limiter.cpp: the connection caps' state machine, per port and per address.
#include "http/connection_limiter.h"

#include <gtest/gtest.h>

namespace usdcop {
namespace {

TEST(ConnectionLimiter, AdmitsUpToTheCapsThenClosesTheOldestWaitingConnectionFirst) {
  ConnectionLimiter limiter(3, 2);
  EXPECT_TRUE(limiter.Admit(1, "a").admitted);
  EXPECT_TRUE(limiter.Admit(2, "a").admitted);
  // "a" is at its cap: its oldest waiting connection (1) makes room.
  ConnectionLimiter::Admission third = limiter.Admit(3, "a");
  ASSERT_TRUE(third.admitted);
  ASSERT_EQ(third.evicted.size(), 1u);
  EXPECT_EQ(third.evicted[0].first, 1u);
  EXPECT_STREQ(third.evicted[0].second, ConnectionLimiter::kPerAddress);
  EXPECT_EQ(limiter.open(), 2u);
  EXPECT_TRUE(limiter.Admit(4, "b").admitted);
  // The port is full (3): the oldest waiting of any address goes, here 2.
  ConnectionLimiter::Admission fifth = limiter.Admit(5, "c");
  ASSERT_TRUE(fifth.admitted);
  ASSERT_EQ(fifth.evicted.size(), 1u);
  EXPECT_EQ(fifth.evicted[0].first, 2u);
  EXPECT_STREQ(fifth.evicted[0].second, ConnectionLimiter::kCapacity);
  EXPECT_EQ(limiter.open(), 3u);
}

TEST(ConnectionLimiter, ABusyConnectionIsNeverClosedAndANewOneIsRefusedInstead) {
  ConnectionLimiter limiter(2, 2);
  ASSERT_TRUE(limiter.Admit(1, "a").admitted);
  ASSERT_TRUE(limiter.Admit(2, "b").admitted);
  limiter.Busy(1);
  limiter.Busy(2);
  ConnectionLimiter::Admission refused = limiter.Admit(3, "c");
  EXPECT_FALSE(refused.admitted);
  EXPECT_STREQ(refused.refused_reason, ConnectionLimiter::kCapacity);
  EXPECT_TRUE(refused.evicted.empty());
  // Back to waiting, 2 is now the newest waiter and 1 the oldest.
  limiter.Waiting(2);
  limiter.Waiting(1);
  ConnectionLimiter::Admission admitted = limiter.Admit(4, "c");
  ASSERT_TRUE(admitted.admitted);
  EXPECT_EQ(admitted.evicted.at(0).first, 2u);
}

TEST(ConnectionLimiter, PerAddressRefusalWhenAllOfTheAddressIsBusy) {
  ConnectionLimiter limiter(10, 1);
  ASSERT_TRUE(limiter.Admit(1, "a").admitted);
  limiter.Busy(1);
  ConnectionLimiter::Admission refused = limiter.Admit(2, "a");
  EXPECT_FALSE(refused.admitted);
  EXPECT_STREQ(refused.refused_reason, ConnectionLimiter::kPerAddress);
  EXPECT_TRUE(limiter.Admit(3, "b").admitted);  // other addresses are not affected
  limiter.Closed(1);
  limiter.Closed(1);  // twice, and unknown ids: ignored
  limiter.Closed(99);
  EXPECT_TRUE(limiter.Admit(4, "a").admitted);
  EXPECT_EQ(limiter.open(), 2u);
}

}  // namespace
}  // namespace usdcop
