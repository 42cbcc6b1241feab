#include "airflow/faults.h"

#include <array>

namespace usdcop::sim {
namespace {

constexpr std::array<std::string_view, 6> kAirflowFaultNames = {
    "none", "hang", "garbage", "unauthorized", "server_error", "fail_next"};

}  // namespace

std::string_view AirflowFaultName(AirflowFault fault) {
  return kAirflowFaultNames[static_cast<size_t>(fault)];
}

std::optional<AirflowFault> ParseAirflowFault(std::string_view name) {
  for (size_t i = 0; i < kAirflowFaultNames.size(); ++i) {
    if (kAirflowFaultNames[i] == name) return static_cast<AirflowFault>(i);
  }
  return std::nullopt;
}

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
