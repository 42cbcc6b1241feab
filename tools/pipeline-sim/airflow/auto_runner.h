// --auto: a background scheduler that gives every DAG a run each period (divided by the speed
// factor), and starts every queued run (triggered or cleared through the API) at its next tick.
// A run stays running for a fifth of its DAG's period, then ends success with its records
// XCom, or failed when the DAG has a pending fail_next. DAGs added later are picked up.
// Start() once, Stop() (or the destructor) joins the thread.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "airflow/model.h"
#include "common/mutex.h"

namespace usdcop::sim {

class AutoRunner {
 public:
  AutoRunner(AirflowModel& model, double speed) : model_(model), speed_(speed) {}
  ~AutoRunner() { Stop(); }
  AutoRunner(const AutoRunner&) = delete;
  AutoRunner& operator=(const AutoRunner&) = delete;

  void Start();
  void Stop();

 private:
  using Steady = std::chrono::steady_clock;
  struct Pending {
    std::string dag_id;
    std::string run_id;
    Time started_at;  // tells this start from a later one of the same run
    Steady::time_point finish_at;
  };

  void Loop();
  void Tick(Steady::time_point now);
  void StartRun(const std::string& dag_id, Steady::time_point now);
  // Finishes `run`, which has just started, a fifth of its DAG's period from now.
  void FinishLater(const DagRun& run, Steady::time_point now);
  Steady::duration Scaled(std::chrono::seconds period) const;

  AirflowModel& model_;
  const double speed_;
  // Used by the runner thread only.
  std::map<std::string, Steady::time_point> next_start_;
  std::vector<Pending> pending_;

  Mutex mu_;
  CondVar wake_;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace usdcop::sim
