// A Clock that tests move by hand. Wall time and monotonic time start where the test says (the
// monotonic one at an arbitrary point) and move only when told: Advance moves both and wakes
// every thread waiting on this clock (WaitUntil, SleepFor) so that it rechecks; Set moves wall
// time only, as a wall-clock step would. Thread-safe; an object waiting on this clock must not
// be destroyed while another thread is in Advance.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"

namespace usdcop {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(SysTime now) : now_(now) {}

  SysTime Now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  SteadyTime SteadyNow() const override {
    std::lock_guard lock(mu_);
    return steady_;
  }
  // Returns at once if `until` has come, else when `cv` is notified by its owner or by Advance.
  void WaitUntil(Mutex& waiter_mu, CondVar& cv, SteadyTime until) const override
      REQUIRES(waiter_mu) {
    {
      std::lock_guard guard(mu_);
      if (steady_ >= until) return;
      waiters_.push_back({&cv, &waiter_mu, advances_});
    }
    // `waiter_mu` is held from the check above to here, and Advance takes it before notifying:
    // no wakeup is lost.
    cv.Wait(waiter_mu);
    std::lock_guard guard(mu_);
    waiters_.erase(std::find_if(waiters_.begin(), waiters_.end(), [&](const Waiter& w) {
      return w.cv == &cv && w.mu == &waiter_mu;
    }));
  }
  // Waits until Advance has moved the clock by `d`; with advance_on_sleep, advances it itself.
  void SleepFor(std::chrono::steady_clock::duration d) const override {
    if (advance_on_sleep_) {
      Move(d);
      return;
    }
    MutexLock lock(sleep_mu_);
    const SteadyTime until = SteadyNow() + d;
    while (SteadyNow() < until) WaitUntil(sleep_mu_, sleep_cv_, until);
  }

  void Set(SysTime t) {
    std::lock_guard lock(mu_);
    now_ = t;
  }
  // Moves wall and monotonic time forward by `d` and wakes the threads waiting on this clock.
  void Advance(std::chrono::steady_clock::duration d) { Move(d); }
  // SleepFor advances the clock instead of waiting for Advance: for code that paces itself on
  // one thread, such as a byte-rate throttle.
  void set_advance_on_sleep(bool on) { advance_on_sleep_ = on; }
  // Threads waiting on this clock that began to wait after the last Advance, having seen its
  // time: a thread the clock drives (the scheduler's loop) has caught up with it once parked.
  size_t parked() const {
    std::lock_guard lock(mu_);
    return static_cast<size_t>(std::count_if(
        waiters_.begin(), waiters_.end(), [&](const Waiter& w) { return w.since == advances_; }));
  }

 private:
  struct Waiter {
    CondVar* cv;
    Mutex* mu;
    std::uint64_t since;  // advances_ when it began to wait
  };

  void Move(std::chrono::steady_clock::duration d) const {
    std::vector<Waiter> wake;
    {
      std::lock_guard lock(mu_);
      steady_ += d;
      advances_++;
      now_ += std::chrono::duration_cast<std::chrono::microseconds>(d);
      wake = waiters_;
    }
    for (const Waiter& w : wake) {
      { MutexLock lock(*w.mu); }  // the waiter is inside cv.Wait, or has not checked yet
      w.cv->NotifyAll();
    }
  }

  mutable std::mutex mu_;
  // Const members change because Clock's interface is const: SleepFor may move the time.
  mutable SysTime now_;                                // guarded by mu_
  mutable SteadyTime steady_{std::chrono::hours(24)};  // guarded by mu_
  mutable std::vector<Waiter> waiters_;                // guarded by mu_
  mutable std::uint64_t advances_ = 0;                 // guarded by mu_
  std::atomic<bool> advance_on_sleep_{false};
  mutable Mutex sleep_mu_;
  mutable CondVar sleep_cv_;
};

}  // namespace usdcop
