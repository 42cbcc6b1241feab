#include "shared/worker_thread.h"

namespace usdcop::sim {

WorkerThread::~WorkerThread() {
  if (thread_.joinable()) thread_.join();
}

void WorkerThread::Start(std::function<void()> loop) {
  thread_ = std::thread([this, loop = std::move(loop)] {
    loop();
    std::lock_guard<std::mutex> lock(mu_);
    exited_ = true;
    exited_cv_.notify_all();
  });
}

bool WorkerThread::Join(std::chrono::milliseconds budget) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!thread_.joinable()) return true;
  if (!exited_cv_.wait_for(lock, budget, [this] { return exited_; })) {
    thread_.detach();
    return false;
  }
  lock.unlock();
  thread_.join();
  return true;
}

}  // namespace usdcop::sim
