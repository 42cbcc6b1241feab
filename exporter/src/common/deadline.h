// The deadline a probe run gets, and the flag that cancels it at shutdown. Every I/O call a
// probe makes takes its remaining time from here. A value type; the flag it points to is
// owned by the scheduler and outlives the run.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>

#include "common/units.h"

namespace usdcop {

struct Deadline {
  std::chrono::steady_clock::time_point at;
  const std::atomic<bool>* cancelled = nullptr;

  static Deadline After(Duration d, const std::atomic<bool>* cancel = nullptr) {
    return Deadline{std::chrono::steady_clock::now() + d, cancel};
  }
  Duration Remaining() const {
    auto left = std::chrono::duration_cast<Duration>(at - std::chrono::steady_clock::now());
    return std::max(left, Duration(0));
  }
  bool Expired() const { return std::chrono::steady_clock::now() >= at; }
  bool Cancelled() const { return cancelled != nullptr && cancelled->load(); }
};

}  // namespace usdcop
