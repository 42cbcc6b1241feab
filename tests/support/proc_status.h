// What Linux's /proc says about another process, for tests that bound a server's memory or
// check its limits: VmRSS and VmHWM from /proc/PID/status, the open-files limit from
// /proc/PID/limits. RssWatch samples the resident set on a thread of its own.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

namespace usdcop::testing {

// A "kB" field of /proc/PID/status in bytes ("VmRSS": resident now, "VmHWM": the peak since
// the process started); nullopt when the process or the field is gone.
std::optional<std::uint64_t> ProcStatusBytes(pid_t pid, const std::string& field);

// The process's RLIMIT_NOFILE; RLIM_INFINITY is UINT64_MAX.
struct OpenFileLimit {
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;
};
std::optional<OpenFileLimit> ProcOpenFileLimit(pid_t pid);

// Samples a process's VmRSS every `period` until destroyed, keeping the peak; exceeded() turns
// true once a sample passed `limit_bytes`, so that a test can stop an attack on a server that
// does not bound its memory before the machine runs short. Thread-safe.
class RssWatch {
 public:
  RssWatch(pid_t pid, std::uint64_t limit_bytes,
           std::chrono::milliseconds period = std::chrono::milliseconds(5));
  ~RssWatch();
  RssWatch(const RssWatch&) = delete;
  RssWatch& operator=(const RssWatch&) = delete;

  // The highest of the samples and of VmHWM (which also catches peaks between samples).
  std::uint64_t peak_bytes() const;
  bool exceeded() const { return exceeded_.load(); }
  // For RawConnection::Flood's stop flag.
  const std::atomic<bool>* exceeded_flag() const { return &exceeded_; }

 private:
  const pid_t pid_;
  const std::uint64_t limit_;
  std::atomic<std::uint64_t> peak_{0};
  std::atomic<bool> exceeded_{false};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace usdcop::testing
