// The simulated Airflow's state: DAGs with their runs, the health of Airflow's own components,
// and the DAGs whose next automatic run is to fail.
// Thread-safe: every member function takes mu_; callers get copies, never references.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "sim_time.h"

namespace usdcop::sim {

enum class RunState { kQueued, kRunning, kSuccess, kFailed };
std::string_view RunStateName(RunState state);
std::optional<RunState> ParseRunState(std::string_view name);
bool IsFinished(RunState state);

enum class RunType { kManual, kScheduled };

struct DagRun {
  std::string dag_id;
  std::string run_id;
  RunType type = RunType::kManual;
  RunState state = RunState::kQueued;
  Time logical_date;
  Time queued_at;
  Time data_interval_start;
  Time data_interval_end;
  std::optional<Time> start_date;  // unset while queued
  std::optional<Time> end_date;    // unset until finished
  Time last_changed;               // Airflow's last_scheduling_decision
  std::optional<int64_t> records;  // the XCom report/records
  Time records_at;                 // when the XCom was pushed
  uint64_t seq = 0;                // creation order: Airflow's primary key "id"
};

// What to create. A queued run is queued at `start`; a finished run ends at start + duration,
// or now when no duration is given (never before its start).
struct NewRun {
  RunState state = RunState::kQueued;
  RunType type = RunType::kManual;
  Time start;
  std::optional<Micros> duration;
  Micros interval{0};  // length of the data interval
  std::optional<int64_t> records;
};

// Orders accepted by the dagRuns order_by parameter.
enum class RunOrder { kIdAsc, kIdDesc, kStartAsc, kStartDesc, kLogicalAsc, kLogicalDesc };
// "-start_date", "start_date", "id", "execution_date" (v1), "logical_date", ...; nullopt if
// unknown.
std::optional<RunOrder> ParseRunOrder(std::string_view text);

struct RunPage {
  std::vector<DagRun> runs;
  size_t total = 0;
};

enum class Component { kMetadatabase, kScheduler, kTriggerer, kDagProcessor };
inline constexpr std::array<Component, 4> kComponents = {
    Component::kMetadatabase, Component::kScheduler, Component::kTriggerer,
    Component::kDagProcessor};
std::string_view ComponentName(Component component);

struct ComponentHealth {
  Component component = Component::kMetadatabase;
  bool healthy = true;
  std::optional<Time> heartbeat;  // now while healthy; frozen when made unhealthy
};

struct DagSnapshot {
  std::string dag_id;
  bool fail_next = false;
  std::vector<DagRun> runs;  // creation order
};

class AirflowModel {
 public:
  // Each DAG keeps at most this many runs; the oldest go first.
  static constexpr size_t kMaxRunsPerDag = 10000;

  explicit AirflowModel(std::vector<std::string> default_dags);
  AirflowModel(const AirflowModel&) = delete;
  AirflowModel& operator=(const AirflowModel&) = delete;

  std::vector<std::string> DagIds() const;
  // Adds the DAGs not known yet and answers those it added.
  std::vector<std::string> AddDags(const std::vector<std::string>& dag_ids);

  // nullopt when the DAG is unknown.
  std::optional<RunPage> ListRuns(const std::string& dag_id, RunOrder order, size_t offset,
                                  size_t limit) const;
  bool HasDag(const std::string& dag_id) const;
  std::optional<DagRun> FindRun(const std::string& dag_id, const std::string& run_id) const;

  // Creates the DAG when unknown.
  DagRun AddRun(const std::string& dag_id, const NewRun& spec);
  // Moves the newest run (by creation) to `state`; adds a run when the DAG has none.
  DagRun SetNewestRunState(const std::string& dag_id, RunState state,
                           std::optional<int64_t> records);
  // Ends an automatic run: success, or failed when a fail_next is pending for its DAG.
  // Answers the run, or nullopt when it is gone or was already finished by someone else.
  std::optional<DagRun> CompleteRun(const std::string& dag_id, const std::string& run_id,
                                    int64_t records);

  // Marks one DAG, or every known DAG, to fail its next automatic run.
  void SetFailNext(const std::optional<std::string>& dag_id);
  void ClearFailNext();

  std::vector<ComponentHealth> Health() const;
  void SetHealthy(Component component, bool healthy);

  std::vector<DagSnapshot> Snapshot() const;
  // Back to the default DAGs without runs, all healthy, nothing to fail.
  void Reset();

 private:
  struct Dag {
    std::deque<DagRun> runs;  // creation order
    std::unordered_set<std::string> run_ids;
    bool fail_next = false;
  };

  Dag& GetOrAddDag(const std::string& dag_id);  // requires mu_
  DagRun& AppendRun(const std::string& dag_id, const NewRun& spec, Time now);  // requires mu_
  std::string UniqueRunId(const Dag& dag, RunType type, Time logical) const;  // requires mu_
  void ResetLocked();                                                         // requires mu_

  const std::vector<std::string> default_dags_;
  mutable std::mutex mu_;
  std::map<std::string, Dag> dags_;                // guarded by mu_
  std::array<ComponentHealth, 4> health_;          // guarded by mu_, indexed by Component
  uint64_t next_seq_ = 1;                          // guarded by mu_
};

}  // namespace usdcop::sim
