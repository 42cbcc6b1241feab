#include "airflow/faults.h"


namespace usdcop::sim {
void FaultInjector::Set(AirflowFault fault, std::chrono::milliseconds hang_time) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    fault_ = fault;
    hang_time_ = hang_time;
  }
  changed_.notify_all();
}

AirflowFault FaultInjector::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fault_;
}

std::chrono::milliseconds FaultInjector::hang_time() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hang_time_;
}

FaultInjector::Wait FaultInjector::WaitWhileHanging() {
  std::unique_lock<std::mutex> lock(mu_);
  if (shutdown_) return Wait::kShutdown;
  if (fault_ != AirflowFault::kHang) return Wait::kNotHanging;
  if (hanging_ >= max_hanging_) return Wait::kTooMany;
  ++hanging_;
  bool woken = changed_.wait_for(lock, hang_time_,
                                 [this] { return shutdown_ || fault_ != AirflowFault::kHang; });
  --hanging_;
  if (shutdown_) return Wait::kShutdown;
  return woken ? Wait::kReleased : Wait::kTimedOut;
}

int FaultInjector::hanging() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hanging_;
}

void FaultInjector::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
  }
  changed_.notify_all();
}

}  // namespace usdcop::sim
