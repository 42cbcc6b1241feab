#include "airflow/faults.h"

namespace usdcop::sim {
void FaultInjector::Set(AirflowFault fault, std::chrono::milliseconds hang_time) {
  {
    MutexLock lock(mu_);
    fault_ = fault;
    hang_time_ = hang_time;
  }
  changed_.NotifyAll();
}

AirflowFault FaultInjector::Current() const {
  MutexLock lock(mu_);
  return fault_;
}

std::chrono::milliseconds FaultInjector::hang_time() const {
  MutexLock lock(mu_);
  return hang_time_;
}

FaultInjector::Wait FaultInjector::WaitWhileHanging() {
  MutexLock lock(mu_);
  if (shutdown_) return Wait::kShutdown;
  if (fault_ != AirflowFault::kHang) return Wait::kNotHanging;
  if (hanging_ >= max_hanging_) return Wait::kTooMany;
  ++hanging_;
  const auto until = std::chrono::steady_clock::now() + hang_time_;
  bool woken = true;
  while (!Released()) {
    if (changed_.WaitUntil(mu_, until) == std::cv_status::timeout) {
      woken = Released();
      break;
    }
  }
  --hanging_;
  if (shutdown_) return Wait::kShutdown;
  return woken ? Wait::kReleased : Wait::kTimedOut;
}

int FaultInjector::hanging() const {
  MutexLock lock(mu_);
  return hanging_;
}

void FaultInjector::Shutdown() {
  {
    MutexLock lock(mu_);
    shutdown_ = true;
  }
  changed_.NotifyAll();
}

}  // namespace usdcop::sim
