#include "shared/worker_thread.h"

namespace usdcop::sim {

WorkerThread::~WorkerThread() {
  if (thread_.joinable()) thread_.join();
}

void WorkerThread::Start(std::function<void()> loop) {
  thread_ = std::thread([this, loop = std::move(loop)] {
    loop();
    MutexLock lock(mu_);
    exited_ = true;
    exited_cv_.NotifyAll();
  });
}

bool WorkerThread::Join(std::chrono::milliseconds budget) {
  MutexLock lock(mu_);
  if (!thread_.joinable()) return true;
  const auto until = std::chrono::steady_clock::now() + budget;
  while (!exited_) {
    if (exited_cv_.WaitUntil(mu_, until) == std::cv_status::timeout && !exited_) {
      thread_.detach();
      return false;
    }
  }
  lock.Unlock();
  thread_.join();
  return true;
}

}  // namespace usdcop::sim
