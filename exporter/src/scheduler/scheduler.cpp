#include "scheduler/scheduler.h"

#include <algorithm>

#include "common/units.h"

namespace usdcop {
Scheduler::Scheduler(ResultBoard& board, const Clock& clock, Logger& log, size_t workers)
    : board_(board), clock_(clock), log_(log) {
  for (size_t i = 0; i < std::max<size_t>(workers, 1); ++i)
    workers_.emplace_back([this] { WorkerLoop(); });
  loop_ = std::thread([this] { Loop(); });
}

Scheduler::~Scheduler() { Stop(Duration(2000)); }

void Scheduler::SetProbes(std::vector<ProbeSpec> probes) {
  std::vector<ResultBoard::ProbeInfo> infos;
  for (const ProbeSpec& p : probes) infos.push_back({p.name, p.timeout});
  board_.Configure(infos);
  MutexLock lock(mu_);
  for (auto& [name, slot] : slots_) slot.configured = false;
  const SteadyTime now = clock_.SteadyNow();
  for (ProbeSpec& p : probes) {
    Slot& slot = slots_[p.name];
    slot.spec = std::move(p);
    slot.configured = true;
    if (!slot.in_flight)
      slot.next_due = now;  // a busy one gets its turn when due, not as an overlap
  }
  std::erase_if(slots_,
                [](const auto& kv) { return !kv.second.configured && !kv.second.in_flight; });
  wake_.NotifyAll();
}

std::vector<std::string> Scheduler::RunNow(const std::vector<std::string>& names) {
  MutexLock lock(mu_);
  std::vector<std::string> out;
  const SteadyTime now = clock_.SteadyNow();
  for (auto& [name, slot] : slots_) {
    if (!slot.configured ||
        (!names.empty() && std::find(names.begin(), names.end(), name) == names.end()))
      continue;
    if (slot.in_flight)
      slot.run_again = true;
    else
      slot.next_due = now;
    out.push_back(name);
  }
  wake_.NotifyAll();
  return out;
}

bool Scheduler::Stop(Duration grace) {
  {
    MutexLock lock(mu_);
    if (stopping_ && !loop_.joinable()) return runs_in_flight_ == 0;
    stopping_ = true;
    cancelled_ = true;
    wake_.NotifyAll();
    task_ready_.NotifyAll();
  }
  if (loop_.joinable()) loop_.join();
  MutexLock lock(mu_);
  const SteadyTime until = std::chrono::steady_clock::now() +
                           std::chrono::ceil<std::chrono::steady_clock::duration>(grace);
  while (runs_in_flight_ != 0 && run_done_.WaitUntil(mu_, until) == std::cv_status::no_timeout) {
  }
  const bool drained = runs_in_flight_ == 0;
  lock.Unlock();
  for (std::thread& w : workers_) {
    if (drained)
      w.join();
    else
      w.detach();  // a probe that ignores its deadline; the process is about to exit
  }
  workers_.clear();
  return drained;
}

void Scheduler::Loop() {
  MutexLock lock(mu_);
  while (!stopping_) {
    const SteadyTime now = clock_.SteadyNow();
    CheckDeadlines(now);
    for (auto& [name, slot] : slots_) {
      if (!slot.configured || slot.next_due > now) continue;
      if (slot.in_flight) {
        board_.CountSkipped(name, Reason::kOverlap);
        log_.Warn("probe run skipped: the previous run is still going", {{"probe", name}});
      } else {
        StartRun(slot, now);
      }
      // Fixed rate; after a long stall, resume from now instead of catching up.
      slot.next_due += slot.spec.interval;
      if (slot.next_due <= now) slot.next_due = now + slot.spec.interval;
    }
    clock_.WaitUntil(mu_, wake_, NextWake());
  }
}

SteadyTime Scheduler::NextWake() const {
  SteadyTime wake = clock_.SteadyNow() + std::chrono::seconds(60);
  for (const auto& [name, slot] : slots_) {
    if (slot.configured) wake = std::min(wake, slot.next_due);
    if (slot.in_flight && !slot.in_flight->reported)
      wake = std::min(wake, slot.in_flight->deadline + kDeadlineGrace);
  }
  return wake;
}

void Scheduler::StartRun(Slot& slot, SteadyTime now) {
  auto run = std::make_shared<Run>();
  run->start = now;
  run->deadline = now + slot.spec.timeout;
  run->start_unix = NowUnix();
  slot.in_flight = run;
  runs_in_flight_++;
  tasks_.push_back([this, spec = slot.spec, run] { ExecuteRun(spec, run); });
  task_ready_.NotifyOne();
}

void Scheduler::CheckDeadlines(SteadyTime now) {
  for (auto& [name, slot] : slots_) {
    const auto& run = slot.in_flight;
    if (!run || now < run->deadline + kDeadlineGrace || run->reported.exchange(true)) continue;
    Status s(Reason::kTimeout,
             "did not finish within its " + FormatDuration(slot.spec.timeout) + " timeout");
    // The run gave no result: the last one's series stay, with the failure in the meta metrics,
    // so that dashboards and rules see no hole. (The run, having lost the race for `reported`,
    // records nothing when it ends: no other writer of this name meanwhile.)
    const auto previous = board_.Get(name);
    board_.Record(name, s, ToSeconds(now - run->start), NowUnix(),
                  previous ? previous->result : nullptr);
    log_.Warn("probe failed", {{"probe", name}, {"reason", "timeout"}, {"err", s.message()}});
  }
}

void Scheduler::ExecuteRun(ProbeSpec spec, std::shared_ptr<Run> run) {
  ProbeContext ctx{Deadline{run->deadline, &cancelled_, &clock_}, clock_, log_};
  ProbeOutcome outcome;
  try {
    outcome = spec.probe->Run(ctx);
  } catch (const std::exception& e) {
    outcome.status = Status(Reason::kInternal, std::string("exception: ") + e.what());
  } catch (...) {
    outcome.status = Status(Reason::kInternal, "unknown exception");
  }
  const auto end = clock_.SteadyNow();
  if (!run->reported.exchange(true)) {
    auto result = std::make_shared<const ProbeResult>(std::move(outcome.result));
    if (std::holds_alternative<std::monostate>(*result)) result = nullptr;
    board_.Record(spec.name, outcome.status, ToSeconds(end - run->start), NowUnix(),
                  std::move(result));
    if (!outcome.status.ok())
      log_.Warn("probe failed", {{"probe", spec.name},
                                 {"reason", std::string(ReasonName(outcome.status.reason()))},
                                 {"err", outcome.status.message()}});
    else
      log_.Debug("probe succeeded",
                 {{"probe", spec.name},
                  {"duration_seconds", std::to_string(ToSeconds(end - run->start))}});
  }
  FinishRun(spec.name, run);
}

void Scheduler::FinishRun(const std::string& name, const std::shared_ptr<Run>& run) {
  MutexLock lock(mu_);
  auto it = slots_.find(name);
  if (it != slots_.end() && it->second.in_flight == run) {
    it->second.in_flight = nullptr;
    if (it->second.run_again) {
      it->second.run_again = false;
      it->second.next_due = clock_.SteadyNow();
    }
    if (!it->second.configured) slots_.erase(it);
  }
  runs_in_flight_--;
  run_done_.NotifyAll();
  wake_.NotifyAll();
}

void Scheduler::WorkerLoop() {
  for (;;) {
    std::function<void()> task;
    {
      MutexLock lock(mu_);
      while (!stopping_ && tasks_.empty()) task_ready_.Wait(mu_);
      if (tasks_.empty()) return;  // stopping, nothing left
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace usdcop
