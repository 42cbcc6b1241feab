// A background thread its owner can wait for a bounded time: the owner tells the thread's loop
// to stop (through its own state and lock), then calls Join(budget). Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

#include "common/mutex.h"

namespace usdcop::sim {

class WorkerThread {
 public:
  WorkerThread() = default;
  ~WorkerThread();  // joins a thread still running
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;

  // Runs `loop` on a new thread. Call once.
  void Start(std::function<void()> loop);
  // Waits up to `budget` for the loop to return and joins the thread; true at once when it was
  // never started. False when the loop is still running: the thread is then detached, and the
  // caller should exit the process before the owner goes away.
  bool Join(std::chrono::milliseconds budget);

 private:
  Mutex mu_;
  CondVar exited_cv_;
  bool exited_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace usdcop::sim
