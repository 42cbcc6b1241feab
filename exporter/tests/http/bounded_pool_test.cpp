// http/bounded_pool.cpp: a fixed pool of workers with a bounded queue that refuses at once.
#include "http/bounded_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <thread>

namespace usdcop {
namespace {

using namespace std::chrono_literals;

TEST(BoundedPool, RefusesAtOnceWhenItsQueueIsFull) {
  BoundedPool pool(1, 2);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::latch started(1);
  std::atomic<int> ran{0};
  ASSERT_TRUE(pool.TrySubmit([&] {
    started.count_down();
    released.wait();
    ++ran;
  }));
  started.wait();  // the worker is busy; two may queue
  EXPECT_TRUE(pool.TrySubmit([&] { ++ran; }));
  EXPECT_TRUE(pool.TrySubmit([&] { ++ran; }));
  EXPECT_FALSE(pool.TrySubmit([&] { ++ran; }));
  release.set_value();
  for (int i = 0; i < 500 && ran < 3; ++i) std::this_thread::sleep_for(2ms);
  EXPECT_EQ(ran, 3);
  pool.Stop();
  EXPECT_FALSE(pool.TrySubmit([] {}));
}

}  // namespace
}  // namespace usdcop
