#include "common/socket_watchdog.h"

#include <pthread.h>
#include <sys/socket.h>

namespace usdcop {

SocketWatchdog::~SocketWatchdog() {
  {
    MutexLock lock(mu_);
    stop_ = true;
  }
  cv_.NotifyAll();
  if (thread_.joinable()) thread_.join();
}

void SocketWatchdog::Arm(int fd, Duration within) {
  {
    MutexLock lock(mu_);
    fd_ = fd;
    at_ = std::chrono::steady_clock::now() + within;
    fired_ = false;
    if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
  }
  cv_.NotifyAll();
}

bool SocketWatchdog::Disarm() {
  MutexLock lock(mu_);
  fd_ = -1;
  return fired_;
}

void SocketWatchdog::Run() {
  pthread_setname_np(pthread_self(), "sock-watchdog");
  MutexLock lock(mu_);
  while (!stop_) {
    if (fd_ < 0) {
      cv_.Wait(mu_);
      continue;
    }
    if (std::chrono::steady_clock::now() < at_) {
      // Re-armed meanwhile (a new time or socket) or woken early: look again.
      cv_.WaitUntil(mu_, at_);
      continue;
    }
    ::shutdown(fd_, SHUT_RDWR);  // under mu_: Disarm, and so the close of fd_, waits for it
    fired_ = true;
    fd_ = -1;
  }
}

}  // namespace usdcop
