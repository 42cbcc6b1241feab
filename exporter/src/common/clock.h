// The clock behind every "now" the exporter computes with, so that tests can move time: wall
// time (timestamps, calendars, ages) and monotonic time (intervals, deadlines, rates, and the
// waits on them). One interface for both, so that a test moves one clock and both kinds of time
// move together, as on a real machine, and everything that already takes a Clock (the
// scheduler, the control API, a probe's context) gets monotonic time without another parameter.
// Implementations are thread-safe.
#pragma once

#include <chrono>
#include <thread>

#include "common/mutex.h"
#include "common/units.h"

namespace usdcop {

using SteadyTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall time; may jump when the system clock is set.
  virtual SysTime Now() const = 0;
  // Monotonic time; never goes back.
  virtual SteadyTime SteadyNow() const = 0;
  // cv.WaitUntil(mu, until) in this clock's monotonic time: returns when `cv` is notified,
  // when SteadyNow() reaches `until`, or spuriously, with `mu` held. Callers recheck.
  virtual void WaitUntil(Mutex& mu, CondVar& cv, SteadyTime until) const REQUIRES(mu) = 0;
  // Blocks the calling thread for `d` of this clock's monotonic time.
  virtual void SleepFor(std::chrono::steady_clock::duration d) const = 0;
};

// The operating system's clocks: system_clock (to microseconds) and steady_clock.
class SystemClock final : public Clock {
 public:
  SysTime Now() const override {
    return std::chrono::time_point_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now());
  }
  SteadyTime SteadyNow() const override { return std::chrono::steady_clock::now(); }
  void WaitUntil(Mutex& mu, CondVar& cv, SteadyTime until) const override REQUIRES(mu) {
    cv.WaitUntil(mu, until);
  }
  void SleepFor(std::chrono::steady_clock::duration d) const override {
    std::this_thread::sleep_for(d);
  }
};

// One SystemClock for the process, for the few places that have no Clock handed to them
// (Deadline::After without one).
inline const Clock& RealClock() {
  static const SystemClock clock;
  return clock;
}

}  // namespace usdcop
