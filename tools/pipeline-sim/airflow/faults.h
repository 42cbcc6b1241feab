// Faults injected into the simulated Airflow API: the one active API fault, and the waits of
// requests that "hang" under it. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string_view>

#include "shared/enum_names.h"

namespace usdcop::sim {

// kFailNext is not an API fault: it marks DAGs (in AirflowModel) to fail their next run.
enum class AirflowFault { kNone, kHang, kGarbage, kUnauthorized, kServerError, kFailNext };
inline constexpr EnumNames<AirflowFault, 6> kAirflowFaultNames(
    {"none", "hang", "garbage", "unauthorized", "server_error", "fail_next"});

class FaultInjector {
 public:
  // `max_hanging` bounds the requests blocked at once, so that hung requests cannot take every
  // server thread and lock out the control endpoint.
  explicit FaultInjector(int max_hanging) : max_hanging_(max_hanging) {}
  FaultInjector(const FaultInjector&) = delete;
  FaultInjector& operator=(const FaultInjector&) = delete;

  // Sets the API fault (kNone clears it); wakes hung requests.
  void Set(AirflowFault fault, std::chrono::milliseconds hang_time);
  AirflowFault Current() const;
  std::chrono::milliseconds hang_time() const;

  enum class Wait { kNotHanging, kReleased, kTimedOut, kShutdown, kTooMany };
  // Under kHang, blocks until the fault changes, the hang time passes or Shutdown().
  Wait WaitWhileHanging();
  int hanging() const;

  // Releases every hung request, now and later.
  void Shutdown();

 private:
  const int max_hanging_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  AirflowFault fault_ = AirflowFault::kNone;                  // guarded by mu_
  std::chrono::milliseconds hang_time_{60000};  // guarded by mu_
  int hanging_ = 0;                             // guarded by mu_
  bool shutdown_ = false;                       // guarded by mu_
};

}  // namespace usdcop::sim
