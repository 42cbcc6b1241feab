// The wall clock behind every "now" a probe computes with, so that tests can move time.
// Implementations are thread-safe.
#pragma once

#include "common/units.h"

namespace usdcop {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual SysTime Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  SysTime Now() const override {
    return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  }
};

}  // namespace usdcop
