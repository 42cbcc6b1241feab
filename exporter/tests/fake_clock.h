// A Clock that tests set by hand. Thread-safe.
#pragma once

#include <atomic>

#include "common/clock.h"

namespace usdcop {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(SysTime now) : now_(now.time_since_epoch().count()) {}
  SysTime Now() const override { return SysTime(std::chrono::microseconds(now_.load())); }
  void Set(SysTime t) { now_ = t.time_since_epoch().count(); }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace usdcop
