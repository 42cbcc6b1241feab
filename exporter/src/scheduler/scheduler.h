// Runs each configured probe on its own interval, with its own deadline, on a fixed pool of
// worker threads. A run still going when its next turn comes is not started twice: that turn
// is skipped and counted (reason "overlap"). A run past its deadline (plus a short grace) is
// recorded as a timeout at once, whether or not the probe has returned: a hung probe never
// delays another probe or a scrape. Intervals and deadlines are in the Clock's monotonic time,
// and the scheduler's thread sleeps on it (Clock::WaitUntil), so a test with a fake clock
// advances it instead of sleeping; Stop's `grace` is real time. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "common/mutex.h"
#include "probes/probe.h"
#include "scheduler/result_board.h"

namespace usdcop {

struct ProbeSpec {
  std::string name;  // the `probe` label: the config section's name
  Duration interval;
  Duration timeout;  // < interval
  std::shared_ptr<Probe> probe;
};

class Scheduler {
 public:
  // `workers` bounds the runs in flight; at most one per probe name is ever in flight, so a
  // pool as large as the table of probe kinds never queues.
  Scheduler(ResultBoard& board, const Clock& clock, Logger& log, size_t workers);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Installs the probes to run (at start and on every reload). Each one runs at once, then on
  // its interval. A probe whose run is in flight keeps it; its next turn uses the new spec.
  void SetProbes(std::vector<ProbeSpec> probes);
  // Runs the named probes (all when `names` is empty) as soon as possible: at once when idle, right
  // after the run in flight otherwise. The names that are configured and will run.
  std::vector<std::string> RunNow(const std::vector<std::string>& names);
  // Cancels runs in flight and stops the threads. False if a run did not end within `grace`
  // (its thread is left behind; the caller should exit the process).
  bool Stop(Duration grace);

  // How long past its deadline a run may take before it is recorded as a timeout.
  static constexpr Duration kDeadlineGrace{250};

 private:
  struct Run {
    std::atomic<bool> reported{false};
    SteadyTime start;
    SteadyTime deadline;
    double start_unix = 0;
  };
  struct Slot {
    ProbeSpec spec;
    SteadyTime next_due;
    bool configured = true;
    bool run_again = false;          // RunNow during a run: the next run starts when it ends
    std::shared_ptr<Run> in_flight;  // null when idle
  };

  void Loop();
  void StartRun(Slot& slot, SteadyTime now) REQUIRES(mu_);
  void ExecuteRun(ProbeSpec spec, std::shared_ptr<Run> run);  // on a worker
  void FinishRun(const std::string& name, const std::shared_ptr<Run>& run);
  void CheckDeadlines(SteadyTime now) REQUIRES(mu_);
  SteadyTime NextWake() const REQUIRES(mu_);
  void WorkerLoop();
  double NowUnix() const { return ToUnixSeconds(clock_.Now()); }

  ResultBoard& board_;
  const Clock& clock_;
  Logger& log_;
  std::atomic<bool> cancelled_{false};

  Mutex mu_;
  CondVar wake_;
  std::map<std::string, Slot> slots_ GUARDED_BY(mu_);
  std::deque<std::function<void()>> tasks_ GUARDED_BY(mu_);
  CondVar task_ready_;
  CondVar run_done_;
  size_t runs_in_flight_ GUARDED_BY(mu_) = 0;
  bool stopping_ GUARDED_BY(mu_) = false;

  std::vector<std::thread> workers_;
  std::thread loop_;
};

}  // namespace usdcop
