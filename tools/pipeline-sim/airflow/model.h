// The simulated Airflow's state: DAGs with their runs, the health of Airflow's own components,
// and the DAGs whose next automatic run is to fail. The simulator has no task model: a run
// stands for its one task, whose state is the run's.
// Thread-safe: every member function takes mu_; callers get copies, never references.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "shared/sim_time.h"

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
  std::optional<Time> logical_date;  // unset: an API v2 trigger without one (then no interval)
  std::optional<Time> data_interval_start;
  std::optional<Time> data_interval_end;
  Time run_after;                  // when the run was due
  Time queued_at;                  // when it was last queued
  std::optional<Time> start_date;  // unset while queued
  std::optional<Time> end_date;    // unset until finished
  Time last_changed;               // Airflow's last_scheduling_decision
  std::string conf = "{}";         // the run's conf, a serialized JSON object
  std::optional<std::string> note;
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

// A run triggered through the API (POST .../dagRuns): manual, queued, externally triggered.
struct TriggerSpec {
  std::optional<std::string> run_id;  // default: ManualRunId(logical_date, run_after)
  std::optional<Time> logical_date;
  std::optional<std::pair<Time, Time>> data_interval;  // default: [logical date, logical date]
  Time run_after;
  std::string conf = "{}";  // a serialized JSON object
  std::optional<std::string> note;
};
// Airflow's id of a manual run: "manual__" and the logical date (run_after without one) in
// Python's isoformat().
std::string ManualRunId(const std::optional<Time>& logical_date, Time run_after);

enum class TriggerOutcome { kCreated, kUnknownDag, kRunIdTaken, kLogicalDateTaken };
struct TriggerResult {
  TriggerOutcome outcome = TriggerOutcome::kCreated;
  // The run created; on a conflict, the run that would have been (not stored).
  DagRun run;
};

// The task instances a clear picks, by the state of the run's one task.
enum class TaskFilter { kAny, kFailed, kRunning };

// What a clear (POST .../clear, .../clearTaskInstances) selects and does.
struct ClearSpec {
  std::optional<std::string> run_id;  // only this run; otherwise by logical date:
  std::optional<Time> from;           // logical date >= from (runs without one never match)
  std::optional<Time> to;             // logical date <= to
  TaskFilter tasks = TaskFilter::kAny;
  bool dry_run = true;
  bool requeue = true;  // selected finished runs go back to queued (Airflow's dag_run_state)
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
  // Ends a run --auto started at `started_at`: success, or failed when a fail_next is pending
  // for its DAG. Answers the run, or nullopt when it is gone, not running, or was restarted
  // since (someone else moved it).
  std::optional<DagRun> CompleteRun(const std::string& dag_id, const std::string& run_id,
                                    Time started_at, int64_t records);

  // Adds a manual run, queued, unless the DAG is unknown or the run id or logical date is
  // taken in that DAG.
  TriggerResult TriggerRun(const std::string& dag_id, const TriggerSpec& spec);
  // Picks the runs `spec` selects and, unless it is a dry run, puts the finished ones back to
  // queued when spec.requeue. Answers the runs picked, as they were before; nullopt when the
  // DAG is unknown.
  std::optional<std::vector<DagRun>> ClearRuns(const std::string& dag_id, const ClearSpec& spec);
  // Moves every queued run to running, now (--auto); answers them.
  std::vector<DagRun> StartQueuedRuns();

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
    size_t queued = 0;  // runs in state queued, so that --auto finds them without a scan
    bool fail_next = false;
  };

  Dag& GetOrAddDag(const std::string& dag_id) REQUIRES(mu_);
  DagRun& AppendRun(const std::string& dag_id, const NewRun& spec, Time now) REQUIRES(mu_);
  DagRun& Store(Dag& dag, DagRun run) REQUIRES(mu_);
  // Every state change of a stored run goes through here (keeps Dag::queued). Static, so not
  // annotated: called with mu_ held, on a Dag of dags_.
  static void Transition(Dag& dag, DagRun& run, RunState state, Time now);
  // The run of `dag` with that id, or null; DagT is Dag or const Dag. Called with mu_ held.
  template <typename DagT>
  static auto FindIn(DagT& dag, const std::string& run_id) -> decltype(&dag.runs.back());
  std::string UniqueRunId(const Dag& dag, RunType type, Time logical) const REQUIRES(mu_);
  void ResetLocked() REQUIRES(mu_);

  const std::vector<std::string> default_dags_;
  mutable Mutex mu_;
  std::map<std::string, Dag> dags_ GUARDED_BY(mu_);
  std::array<ComponentHealth, 4> health_ GUARDED_BY(mu_);  // indexed by Component
  uint64_t next_seq_ GUARDED_BY(mu_) = 1;
};

}  // namespace usdcop::sim
