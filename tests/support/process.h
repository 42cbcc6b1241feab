// Child processes for integration tests: started with posix_spawn (no shell), output to a
// log file, stopped by PID. Every wait is bounded. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace usdcop::testing {

class Process {
 public:
  // Starts argv[0] with argv, the current environment plus `env` ("K=V"), stdout and stderr
  // appended to `log_path`. Throws std::runtime_error when it cannot start.
  Process(std::vector<std::string> argv, std::string log_path, std::vector<std::string> env = {});
  ~Process();  // SIGKILL if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  std::string Log() const;

  void Signal(int sig) const;
  // Waits for exit up to `limit`; the exit code (128+signal when killed), nullopt if still running.
  std::optional<int> WaitExit(std::chrono::milliseconds limit);
  // SIGTERM, wait up to `limit`, then SIGKILL. The exit code.
  int Stop(std::chrono::milliseconds limit = std::chrono::milliseconds(5000));

  // The first capture group of `regex` in the log, polled up to `limit`.
  std::optional<std::string> WaitForLog(const std::string& regex,
                                        std::chrono::milliseconds limit) const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::optional<int> exit_code_;
};

// Runs a command to completion (bounded by `limit`), feeding `input` to its stdin.
struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input,
                         std::chrono::milliseconds limit = std::chrono::milliseconds(30000));

// Polls `done` every 20 ms up to `limit`.
template <typename F>
bool Eventually(F done, std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    struct timespec ts {
      0, 20 * 1000 * 1000
    };
    nanosleep(&ts, nullptr);
  }
  return done();
}

// The usdcop_exporter the tests run: $USDCOP_TEST_EXPORTER when set (scripts/sanitize runs the
// integration tests against its sanitized build that way), else this build's.
const std::string& ExporterBinary();

}  // namespace usdcop::testing

// As the tests write it: {USDCOP_EXPORTER_BIN, "--config.check", ...}.
#define USDCOP_EXPORTER_BIN (::usdcop::testing::ExporterBinary())
