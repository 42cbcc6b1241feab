#include "airflow/model.h"

#include <algorithm>

namespace usdcop::sim {
namespace {

constexpr std::array<std::string_view, 4> kStateNames = {"queued", "running", "success", "failed"};

// Moves a run to `state` at `now`, filling the timestamps the way Airflow does.
void ApplyState(DagRun& run, RunState state, Time now) {
  bool requeued = state == RunState::kQueued && run.state != RunState::kQueued;
  run.state = state;
  run.last_changed = now;
  if (state == RunState::kQueued) {
    if (requeued) run.queued_at = now;
    run.start_date.reset();
    run.end_date.reset();
    return;
  }
  if (!run.start_date) run.start_date = now;
  run.end_date.reset();
  if (IsFinished(state)) run.end_date = std::max(now, *run.start_date);
}

void SetRecords(DagRun& run, std::optional<int64_t> records, Time now) {
  if (!records) return;
  run.records = records;
  run.records_at = now;
}

// Unset times sort last, as NULLs do in PostgreSQL's ascending order.
Time StartKey(const DagRun& run) { return run.start_date.value_or(Time::max()); }
Time LogicalKey(const DagRun& run) { return run.logical_date.value_or(Time::max()); }

bool Before(const DagRun* a, const DagRun* b, RunOrder order) {
  switch (order) {
    case RunOrder::kIdAsc:
      return a->seq < b->seq;
    case RunOrder::kIdDesc:
      return a->seq > b->seq;
    case RunOrder::kStartAsc:
      return std::make_pair(StartKey(*a), a->seq) < std::make_pair(StartKey(*b), b->seq);
    case RunOrder::kStartDesc:
      return std::make_pair(StartKey(*a), a->seq) > std::make_pair(StartKey(*b), b->seq);
    case RunOrder::kLogicalAsc:
      return std::make_pair(LogicalKey(*a), a->seq) < std::make_pair(LogicalKey(*b), b->seq);
    case RunOrder::kLogicalDesc:
      return std::make_pair(LogicalKey(*a), a->seq) > std::make_pair(LogicalKey(*b), b->seq);
  }
  return false;
}

// Whether a clear picks the run: its one task's state passes the filter, and it is the run
// asked for, or its logical date is within the bounds (no bounds: every run).
bool Selected(const DagRun& run, const ClearSpec& spec) {
  if (spec.tasks == TaskFilter::kFailed && run.state != RunState::kFailed) return false;
  if (spec.tasks == TaskFilter::kRunning && run.state != RunState::kRunning) return false;
  if (spec.run_id) return run.run_id == *spec.run_id;
  if (!spec.from && !spec.to) return true;
  if (!run.logical_date) return false;
  return (!spec.from || *run.logical_date >= *spec.from) &&
         (!spec.to || *run.logical_date <= *spec.to);
}

std::array<ComponentHealth, 4> AllHealthy() {
  std::array<ComponentHealth, 4> health;
  for (Component c : kComponents) health[static_cast<size_t>(c)].component = c;
  return health;
}

}  // namespace

std::string_view RunStateName(RunState state) { return kStateNames[static_cast<size_t>(state)]; }

std::optional<RunState> ParseRunState(std::string_view name) {
  for (size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == name) return static_cast<RunState>(i);
  }
  return std::nullopt;
}

bool IsFinished(RunState state) {
  return state == RunState::kSuccess || state == RunState::kFailed;
}

std::optional<RunOrder> ParseRunOrder(std::string_view text) {
  bool desc = !text.empty() && text.front() == '-';
  if (desc) text.remove_prefix(1);
  if (text == "id") return desc ? RunOrder::kIdDesc : RunOrder::kIdAsc;
  if (text == "start_date") return desc ? RunOrder::kStartDesc : RunOrder::kStartAsc;
  if (text == "execution_date" || text == "logical_date") {
    return desc ? RunOrder::kLogicalDesc : RunOrder::kLogicalAsc;
  }
  return std::nullopt;
}

std::string ManualRunId(const std::optional<Time>& logical_date, Time run_after) {
  return "manual__" + FormatAirflow2(logical_date.value_or(run_after));
}

std::string_view ComponentName(Component component) {
  static constexpr std::array<std::string_view, 4> kNames = {"metadatabase", "scheduler",
                                                             "triggerer", "dag_processor"};
  return kNames[static_cast<size_t>(component)];
}

template <typename DagT>
auto AirflowModel::FindIn(DagT& dag, const std::string& run_id) -> decltype(&dag.runs.back()) {
  if (dag.run_ids.count(run_id) == 0) return nullptr;
  auto run = std::find_if(dag.runs.rbegin(), dag.runs.rend(),
                          [&](const DagRun& r) { return r.run_id == run_id; });
  return &*run;
}

AirflowModel::AirflowModel(std::vector<std::string> default_dags)
    : default_dags_(std::move(default_dags)) {
  MutexLock lock(mu_);  // no other thread can see the object yet; held for ResetLocked's REQUIRES
  ResetLocked();
}

std::vector<std::string> AirflowModel::DagIds() const {
  MutexLock lock(mu_);
  std::vector<std::string> ids;
  ids.reserve(dags_.size());
  for (const auto& [id, dag] : dags_) ids.push_back(id);
  return ids;
}

std::vector<std::string> AirflowModel::AddDags(const std::vector<std::string>& dag_ids) {
  MutexLock lock(mu_);
  std::vector<std::string> added;
  for (const std::string& id : dag_ids) {
    if (dags_.try_emplace(id).second) added.push_back(id);
  }
  return added;
}

std::optional<RunPage> AirflowModel::ListRuns(const std::string& dag_id, RunOrder order,
                                              size_t offset, size_t limit) const {
  MutexLock lock(mu_);
  auto it = dags_.find(dag_id);
  if (it == dags_.end()) return std::nullopt;
  std::vector<const DagRun*> runs;
  runs.reserve(it->second.runs.size());
  for (const DagRun& run : it->second.runs) runs.push_back(&run);
  RunPage page;
  page.total = runs.size();
  size_t end = std::min(runs.size(), offset + std::min(limit, runs.size()));
  if (offset >= end) return page;
  auto less = [order](const DagRun* a, const DagRun* b) { return Before(a, b, order); };
  std::partial_sort(runs.begin(), runs.begin() + static_cast<std::ptrdiff_t>(end), runs.end(),
                    less);
  for (size_t i = offset; i < end; ++i) page.runs.push_back(*runs[i]);
  return page;
}

bool AirflowModel::HasDag(const std::string& dag_id) const {
  MutexLock lock(mu_);
  return dags_.count(dag_id) > 0;
}

std::optional<DagRun> AirflowModel::FindRun(const std::string& dag_id,
                                            const std::string& run_id) const {
  MutexLock lock(mu_);
  auto it = dags_.find(dag_id);
  if (it == dags_.end()) return std::nullopt;
  const DagRun* run = FindIn(it->second, run_id);
  return run != nullptr ? std::optional<DagRun>(*run) : std::nullopt;
}

DagRun AirflowModel::AddRun(const std::string& dag_id, const NewRun& spec) {
  MutexLock lock(mu_);
  return AppendRun(dag_id, spec, Now());
}

DagRun AirflowModel::SetNewestRunState(const std::string& dag_id, RunState state,
                                       std::optional<int64_t> records) {
  MutexLock lock(mu_);
  Time now = Now();
  Dag& dag = GetOrAddDag(dag_id);
  if (dag.runs.empty())
    return AppendRun(dag_id, NewRun{.state = state, .start = now, .records = records}, now);
  DagRun& run = dag.runs.back();
  Transition(dag, run, state, now);
  SetRecords(run, records, now);
  return run;
}

std::optional<DagRun> AirflowModel::CompleteRun(const std::string& dag_id,
                                                const std::string& run_id, Time started_at,
                                                int64_t records) {
  MutexLock lock(mu_);
  auto it = dags_.find(dag_id);
  if (it == dags_.end()) return std::nullopt;
  Dag& dag = it->second;
  DagRun* run = FindIn(dag, run_id);
  if (run == nullptr || run->state != RunState::kRunning || run->start_date != started_at) {
    return std::nullopt;
  }
  Time now = Now();
  Transition(dag, *run, dag.fail_next ? RunState::kFailed : RunState::kSuccess, now);
  if (!dag.fail_next) SetRecords(*run, records, now);
  dag.fail_next = false;
  return *run;
}

TriggerResult AirflowModel::TriggerRun(const std::string& dag_id, const TriggerSpec& spec) {
  MutexLock lock(mu_);
  Time now = Now();
  TriggerResult result;
  DagRun& run = result.run;
  run.dag_id = dag_id;
  run.run_id = spec.run_id.value_or(ManualRunId(spec.logical_date, spec.run_after));
  run.logical_date = spec.logical_date;
  if (spec.logical_date) {
    auto interval = spec.data_interval.value_or(std::pair(*spec.logical_date, *spec.logical_date));
    run.data_interval_start = interval.first;
    run.data_interval_end = interval.second;
  }
  run.run_after = spec.run_after;
  run.queued_at = now;
  run.last_changed = now;
  run.conf = spec.conf;
  run.note = spec.note;
  auto it = dags_.find(dag_id);
  if (it == dags_.end()) {
    result.outcome = TriggerOutcome::kUnknownDag;
    return result;
  }
  Dag& dag = it->second;
  bool date_taken =
      run.logical_date && std::any_of(dag.runs.begin(), dag.runs.end(), [&](const DagRun& r) {
        return r.logical_date == run.logical_date;
      });
  if (date_taken) {
    result.outcome = TriggerOutcome::kLogicalDateTaken;
  } else if (dag.run_ids.count(run.run_id) > 0) {
    result.outcome = TriggerOutcome::kRunIdTaken;
  } else {
    run = Store(dag, std::move(run));
  }
  return result;
}

std::optional<std::vector<DagRun>> AirflowModel::ClearRuns(const std::string& dag_id,
                                                           const ClearSpec& spec) {
  MutexLock lock(mu_);
  auto it = dags_.find(dag_id);
  if (it == dags_.end()) return std::nullopt;
  Dag& dag = it->second;
  Time now = Now();
  std::vector<DagRun> selected;
  for (DagRun& run : dag.runs) {
    if (!Selected(run, spec)) continue;
    selected.push_back(run);
    if (spec.dry_run || !spec.requeue || !IsFinished(run.state)) continue;
    Transition(dag, run, RunState::kQueued, now);
    run.records.reset();  // the task's XCom goes when it runs again
  }
  return selected;
}

std::vector<DagRun> AirflowModel::StartQueuedRuns() {
  MutexLock lock(mu_);
  Time now = Now();
  std::vector<DagRun> started;
  for (auto& [id, dag] : dags_) {
    for (auto run = dag.runs.begin(); dag.queued > 0 && run != dag.runs.end(); ++run) {
      if (run->state != RunState::kQueued) continue;
      Transition(dag, *run, RunState::kRunning, now);
      started.push_back(*run);
    }
  }
  return started;
}

void AirflowModel::SetFailNext(const std::optional<std::string>& dag_id) {
  MutexLock lock(mu_);
  if (dag_id) {
    GetOrAddDag(*dag_id).fail_next = true;
    return;
  }
  for (auto& [id, dag] : dags_) dag.fail_next = true;
}

void AirflowModel::ClearFailNext() {
  MutexLock lock(mu_);
  for (auto& [id, dag] : dags_) dag.fail_next = false;
}

std::vector<ComponentHealth> AirflowModel::Health() const {
  MutexLock lock(mu_);
  Time now = Now();
  std::vector<ComponentHealth> out(health_.begin(), health_.end());
  for (ComponentHealth& h : out) {
    if (h.component == Component::kMetadatabase) continue;
    if (h.healthy) h.heartbeat = now;
  }
  return out;
}

void AirflowModel::SetHealthy(Component component, bool healthy) {
  MutexLock lock(mu_);
  ComponentHealth& h = health_[static_cast<size_t>(component)];
  if (h.healthy && !healthy && component != Component::kMetadatabase) h.heartbeat = Now();
  h.healthy = healthy;
}

std::vector<DagSnapshot> AirflowModel::Snapshot() const {
  MutexLock lock(mu_);
  std::vector<DagSnapshot> out;
  for (const auto& [id, dag] : dags_) {
    out.push_back({id, dag.fail_next, {dag.runs.begin(), dag.runs.end()}});
  }
  return out;
}

void AirflowModel::Reset() {
  MutexLock lock(mu_);
  ResetLocked();
}

AirflowModel::Dag& AirflowModel::GetOrAddDag(const std::string& dag_id) { return dags_[dag_id]; }

DagRun& AirflowModel::AppendRun(const std::string& dag_id, const NewRun& spec, Time now) {
  Dag& dag = GetOrAddDag(dag_id);
  DagRun run;
  run.dag_id = dag_id;
  run.type = spec.type;
  run.data_interval_start = spec.start - spec.interval;
  run.data_interval_end = spec.start;
  run.logical_date = run.data_interval_start;
  run.run_after = spec.start;
  run.queued_at = spec.start;
  run.run_id = UniqueRunId(dag, spec.type, *run.logical_date);
  run.state = spec.state;
  run.last_changed = now;
  if (spec.state != RunState::kQueued) run.start_date = spec.start;
  if (IsFinished(spec.state)) {
    run.end_date = spec.duration ? spec.start + *spec.duration : std::max(now, spec.start);
  }
  SetRecords(run, spec.records, run.end_date.value_or(now));
  return Store(dag, std::move(run));
}

DagRun& AirflowModel::Store(Dag& dag, DagRun run) {
  if (dag.runs.size() >= kMaxRunsPerDag) {
    const DagRun& oldest = dag.runs.front();
    if (oldest.state == RunState::kQueued) --dag.queued;
    dag.run_ids.erase(oldest.run_id);
    dag.runs.pop_front();
  }
  run.seq = next_seq_++;
  if (run.state == RunState::kQueued) ++dag.queued;
  dag.run_ids.insert(run.run_id);
  dag.runs.push_back(std::move(run));
  return dag.runs.back();
}

void AirflowModel::Transition(Dag& dag, DagRun& run, RunState state, Time now) {
  if (run.state == RunState::kQueued) --dag.queued;
  if (state == RunState::kQueued) ++dag.queued;
  ApplyState(run, state, now);
}

std::string AirflowModel::UniqueRunId(const Dag& dag, RunType type, Time logical) const {
  std::string base =
      (type == RunType::kManual ? "manual__" : "scheduled__") + FormatAirflow2(logical);
  std::string id = base;
  for (int n = 2; dag.run_ids.count(id) > 0; ++n) id = base + "_" + std::to_string(n);
  return id;
}

void AirflowModel::ResetLocked() {
  dags_.clear();
  for (const std::string& id : default_dags_) dags_.try_emplace(id);
  health_ = AllHealthy();
}

}  // namespace usdcop::sim
