// The deadline a probe run gets, and the flag that cancels it at shutdown. Every I/O call a
// probe makes takes its remaining time from here. A value type; the flag it points to is
// owned by the scheduler and outlives the run, and so does the clock.
//
// `at` is in the monotonic time of `clock` (by default the real clock, whose monotonic time is
// std::chrono::steady_clock's); code that compares `at` with steady_clock::now() directly
// (the WebSocket client's I/O slices) assumes the real clock.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>

#include "common/clock.h"
#include "common/units.h"

namespace usdcop {

struct Deadline {
  SteadyTime at;
  const std::atomic<bool>* cancelled = nullptr;
  const Clock* clock = &RealClock();  // whose SteadyNow() `at` is compared with

  static Deadline After(Duration d, const std::atomic<bool>* cancel = nullptr) {
    return After(RealClock(), d, cancel);
  }
  static Deadline After(const Clock& clock, Duration d, const std::atomic<bool>* cancel = nullptr) {
    return Deadline{clock.SteadyNow() + d, cancel, &clock};
  }
  Duration Remaining() const {
    auto left = std::chrono::duration_cast<Duration>(at - clock->SteadyNow());
    return std::max(left, Duration(0));
  }
  bool Expired() const { return clock->SteadyNow() >= at; }
  bool Cancelled() const { return cancelled != nullptr && cancelled->load(); }
};

}  // namespace usdcop
