#include "airflow/auto_runner.h"

#include <algorithm>

#include "airflow/dags.h"
#include "shared/log.h"

namespace usdcop::sim {
namespace {

constexpr auto kRunnerTick = std::chrono::milliseconds(100);

}  // namespace

void AutoRunner::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void AutoRunner::Stop() {
  {
    MutexLock lock(mu_);
    stop_ = true;
  }
  wake_.NotifyAll();
  if (thread_.joinable()) thread_.join();
}

void AutoRunner::Loop() {
  MutexLock lock(mu_);
  while (!stop_) {
    lock.Unlock();
    Tick(Steady::now());
    lock.Lock();
    const Steady::time_point until = Steady::now() + kRunnerTick;
    while (!stop_ && wake_.WaitUntil(mu_, until) == std::cv_status::no_timeout) {
    }
  }
}

void AutoRunner::Tick(Steady::time_point now) {
  for (const std::string& dag_id : model_.DagIds()) {
    auto next = next_start_.find(dag_id);
    if (next == next_start_.end() || next->second <= now) StartRun(dag_id, now);
  }
  for (const DagRun& run : model_.StartQueuedRuns()) {
    Log("auto: " + run.dag_id + " " + run.run_id + " queued -> running");
    FinishLater(run, now);
  }
  auto due = std::partition(pending_.begin(), pending_.end(),
                            [now](const Pending& p) { return p.finish_at > now; });
  for (auto it = due; it != pending_.end(); ++it) {
    auto run = model_.CompleteRun(it->dag_id, it->run_id, it->started_at, DagRecords(it->dag_id));
    if (run && run->state == RunState::kFailed) Log("auto: " + run->run_id + " failed (fail_next)");
  }
  pending_.erase(due, pending_.end());
}

void AutoRunner::StartRun(const std::string& dag_id, Steady::time_point now) {
  Steady::duration period = Scaled(DagPeriod(dag_id));
  next_start_[dag_id] = now + period;
  NewRun spec{.state = RunState::kRunning,
              .type = RunType::kScheduled,
              .start = Now(),
              .interval = std::chrono::duration_cast<Micros>(period)};
  FinishLater(model_.AddRun(dag_id, spec), now);
}

void AutoRunner::FinishLater(const DagRun& run, Steady::time_point now) {
  Steady::duration period = Scaled(DagPeriod(run.dag_id));
  pending_.push_back({run.dag_id, run.run_id, run.start_date.value_or(Now()), now + period / 5});
}

AutoRunner::Steady::duration AutoRunner::Scaled(std::chrono::seconds period) const {
  return std::chrono::duration_cast<Steady::duration>(
      std::chrono::duration<double>(static_cast<double>(period.count()) / speed_));
}

}  // namespace usdcop::sim
