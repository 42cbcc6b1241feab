// A mutex, its scoped lock and a condition variable that clang's thread-safety analysis
// understands (common/thread_annotations.h): libstdc++'s Mutex carries no annotations, so
// members marked GUARDED_BY(mu_) need a Mutex for the analysis to check them. Thin wrappers
// over Mutex and CondVar, with the same cost. As leveldb's port::Mutex and
// port::CondVar. Thread-safe, as the types they wrap.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "common/thread_annotations.h"

namespace usdcop {

class CondVar;

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  [[nodiscard]] bool TryLock() TRY_ACQUIRE(true) { return mu_.try_lock(); }
  // Tells the analysis that the calling thread holds this mutex (checked by nothing at run time):
  // for code reached only with the lock held that the analysis cannot follow (callbacks).
  void AssertHeld() const ASSERT_CAPABILITY(this) {}

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds a Mutex for its scope: `MutexLock lock(mu_);`. Unlock and Lock release and retake it
// within the scope (the destructor unlocks only if held).
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() RELEASE() {
    if (held_) mu_.Unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void Unlock() RELEASE() {
    mu_.Unlock();
    held_ = false;
  }
  void Lock() ACQUIRE() {
    mu_.Lock();
    held_ = true;
  }

 private:
  Mutex& mu_;
  bool held_ = true;
};

// A condition variable over a Mutex; every wait is called with that Mutex held and returns with
// it held, and may wake spuriously: callers wait in a loop on their condition, which the
// analysis then checks as code under the lock (a predicate lambda it could not).
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  void Wait(Mutex& mu) REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  // Returns std::cv_status::timeout once `until` has passed.
  template <class C, class D>
  std::cv_status WaitUntil(Mutex& mu, const std::chrono::time_point<C, D>& until) REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    const std::cv_status status = cv_.wait_until(lock, until);
    lock.release();
    return status;
  }
  template <class R, class P>
  std::cv_status WaitFor(Mutex& mu, const std::chrono::duration<R, P>& d) REQUIRES(mu) {
    return WaitUntil(mu, std::chrono::steady_clock::now() + d);
  }
  void NotifyOne() { cv_.notify_one(); }
  void NotifyAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace usdcop
