// Faults injected into the simulated Airflow API: the one active API fault, and the waits of
// requests that "hang" under it. Thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "common/mutex.h"
#include "shared/enum_names.h"

namespace usdcop::sim {

// kFailNext is not an API fault: it marks DAGs (in AirflowModel) to fail their next run.
enum class AirflowFault { kNone, kHang, kGarbage, kUnauthorized, kServerError, kFailNext };
inline constexpr EnumNames<AirflowFault, 6> kAirflowFaultNames({"none", "hang", "garbage",
                                                                "unauthorized", "server_error",
                                                                "fail_next"});

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
  // What ends a hung request's wait early: Shutdown() or the hang fault cleared or changed.
  bool Released() const REQUIRES(mu_) { return shutdown_ || fault_ != AirflowFault::kHang; }

  const int max_hanging_;
  mutable Mutex mu_;
  CondVar changed_;
  AirflowFault fault_ GUARDED_BY(mu_) = AirflowFault::kNone;
  std::chrono::milliseconds hang_time_ GUARDED_BY(mu_) = std::chrono::milliseconds(60000);
  int hanging_ GUARDED_BY(mu_) = 0;
  bool shutdown_ GUARDED_BY(mu_) = false;
};

}  // namespace usdcop::sim
