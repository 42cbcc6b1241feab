// A fixed number of worker threads behind a queue of bounded length, for work that must stay
// off an HTTP server's I/O threads (bcrypt checks, handlers that block). When the queue is full
// TrySubmit refuses at once, so the caller answers 503 rather than letting work pile up.
// Thread-safe. Stop (or the destructor) waits for the running tasks and drops the queued ones,
// so a task must tolerate never running (its connection is closed then anyway).
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "common/mutex.h"

namespace usdcop {

class BoundedPool {
 public:
  BoundedPool(size_t threads, size_t max_queued);
  ~BoundedPool();
  BoundedPool(const BoundedPool&) = delete;
  BoundedPool& operator=(const BoundedPool&) = delete;

  // Queues `task`; false (and `task` not kept) when max_queued tasks already wait.
  bool TrySubmit(std::function<void()> task);
  // Stops the workers after the tasks they are running; queued tasks are dropped. Idempotent.
  void Stop();

 private:
  void Work();

  const size_t max_queued_;
  Mutex mu_;
  CondVar cv_;
  std::deque<std::function<void()>> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace usdcop
