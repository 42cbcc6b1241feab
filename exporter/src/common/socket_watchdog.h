// A bound on a blocking call that waits on a socket it does not let us poll (libpq's queries):
// armed with a socket and a time, the watchdog shuts the socket down (shutdown(2), both ways)
// if the time passes before it is disarmed, so the blocked read or write returns with an error
// at once. One thread of its own, started at the first Arm and stopped by the destructor.
// Thread-safe; one arming at a time.
#pragma once

#include <chrono>
#include <thread>

#include "common/mutex.h"
#include "common/units.h"

namespace usdcop {

class SocketWatchdog {
 public:
  SocketWatchdog() = default;
  ~SocketWatchdog();
  SocketWatchdog(const SocketWatchdog&) = delete;
  SocketWatchdog& operator=(const SocketWatchdog&) = delete;

  // Shuts `fd` down once `within` has passed, unless Disarm comes first. `fd` must stay open
  // until Disarm returns.
  void Arm(int fd, Duration within);
  // Whether it shut the socket down since Arm.
  bool Disarm();

 private:
  void Run();

  Mutex mu_;
  CondVar cv_;
  int fd_ GUARDED_BY(mu_) = -1;  // -1: disarmed
  std::chrono::steady_clock::time_point at_ GUARDED_BY(mu_);
  bool fired_ GUARDED_BY(mu_) = false;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace usdcop
