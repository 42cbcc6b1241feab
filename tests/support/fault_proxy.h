// A TCP fault proxy for integration tests: it listens on 127.0.0.1 (port 0, read back with
// port()) and forwards each connection to an upstream port on 127.0.0.1, or fails it the way the
// current mode says. The mode is switched at run time from the test's thread; a switch closes
// every connection open at that moment (but a switch to kStalled), so that a client holding a
// connection across probe runs (PostgreSQL, HTTP keep-alive) meets the new mode on its next
// connection, as after a restart of the peer. One thread runs one poll loop (bounded: every wait is
// a poll of at most 20 ms, the buffers are capped); the destructor stops it and closes every
// socket. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace usdcop::testing {

class FaultProxy {
 public:
  enum class Mode {
    kPass,       // forward both ways
    kRefused,    // the listener is closed: connect gets ECONNREFUSED (reopened on the same port)
    kHung,       // accept and read, never answer
    kWrongType,  // HTTP 200 with Content-Type text/html and an HTML body, then close
    kTruncated,  // HTTP 200 application/json whose (complete) body is truncated JSON, then close
    kBinary,     // 512 random bytes that are neither HTTP nor the PostgreSQL protocol, then close
    kSlow,       // forward, but hold the upstream's first answer byte for slow_delay
    kFlapping,   // pass and refused in turn, each for flap_period
    kStalled,    // the connections open stay open and nothing more crosses them either way (a
                 // peer host gone silent); new ones are accepted and never answered, as kHung
  };
  static const char* ModeName(Mode mode);

  // Starts the loop; throws std::runtime_error when it cannot listen.
  explicit FaultProxy(int upstream_port);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const { return port_; }
  // Switches the mode now (closing the connections open); `delay` is kSlow's hold and
  // `period` kFlapping's half-cycle.
  void SetMode(Mode mode, std::chrono::milliseconds delay = std::chrono::milliseconds(3000),
               std::chrono::milliseconds period = std::chrono::milliseconds(1500));
  Mode mode() const;
  // Connections accepted since the proxy started (a test can tell the client came).
  std::uint64_t accepted() const { return accepted_.load(); }

 private:
  struct Loop;
  void Run();

  const int upstream_port_;
  int port_ = 0;
  std::unique_ptr<Loop> loop_;  // owned by the loop's thread once started
  std::atomic<std::uint64_t> accepted_{0};
  std::atomic<bool> stop_{false};
  int wake_[2] = {-1, -1};  // a pipe: SetMode and the destructor wake the poll
  mutable std::mutex mu_;
  Mode mode_ = Mode::kPass;                      // guarded by mu_
  std::chrono::milliseconds delay_{3000};        // guarded by mu_
  std::chrono::milliseconds period_{1500};       // guarded by mu_
  std::uint64_t generation_ = 0;                 // guarded by mu_: bumped by SetMode
  std::chrono::steady_clock::time_point since_;  // guarded by mu_: when the mode was set
  std::thread thread_;
};

}  // namespace usdcop::testing
