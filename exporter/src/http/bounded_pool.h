// A fixed number of worker threads behind a queue of bounded length, for work that must stay
// off an HTTP server's I/O threads (bcrypt checks, handlers that block). When the queue is full
// TrySubmit refuses at once, so the caller answers 503 rather than letting work pile up.
// Thread-safe. Stop (or the destructor) waits for the running tasks and drops the queued ones,
// so a task must tolerate never running (its connection is closed then anyway).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

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
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace usdcop
