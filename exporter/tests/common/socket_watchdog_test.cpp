#include "common/socket_watchdog.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace usdcop {
namespace {

using namespace std::chrono_literals;

// A connected pair: the watchdog guards a, the test reads on a as a blocked client would.
struct Pair {
  int a = -1, b = -1;
  Pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0) a = fds[0], b = fds[1];
  }
  ~Pair() {
    ::close(a);
    ::close(b);
  }
};

TEST(SocketWatchdog, ABlockedReadEndsWhenTheTimePasses) {
  Pair p;
  ASSERT_GE(p.a, 0);
  SocketWatchdog w;
  const auto start = std::chrono::steady_clock::now();
  w.Arm(p.a, 100ms);
  char c;
  // Nothing is ever written to b: without the watchdog this read would block for good.
  EXPECT_EQ(::recv(p.a, &c, 1, 0), 0);  // shut down: end of stream
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(w.Disarm());
  EXPECT_GE(took, 100ms);
  EXPECT_LT(took, 5s);  // a bound on the test, not a timing claim
}

TEST(SocketWatchdog, DisarmedInTimeItLeavesTheSocketAlone) {
  Pair p;
  ASSERT_GE(p.a, 0);
  SocketWatchdog w;
  w.Arm(p.a, 50ms);
  EXPECT_FALSE(w.Disarm());
  std::this_thread::sleep_for(150ms);  // past the time it was armed for
  ASSERT_EQ(::send(p.b, "x", 1, 0), 1);
  char c = 0;
  EXPECT_EQ(::recv(p.a, &c, 1, 0), 1);
  EXPECT_EQ(c, 'x');
}

TEST(SocketWatchdog, ReArmedItGuardsTheNewSocketForTheNewTime) {
  Pair first, second;
  ASSERT_GE(first.a, 0);
  ASSERT_GE(second.a, 0);
  SocketWatchdog w;
  w.Arm(first.a, 30s);
  EXPECT_FALSE(w.Disarm());
  w.Arm(second.a, 50ms);
  char c;
  EXPECT_EQ(::recv(second.a, &c, 1, 0), 0);
  EXPECT_TRUE(w.Disarm());
  ASSERT_EQ(::send(first.b, "y", 1, 0), 1);  // the first is untouched
  EXPECT_EQ(::recv(first.a, &c, 1, 0), 1);
}

}  // namespace
}  // namespace usdcop
