#include "airflow/json.h"

#include <string>

namespace usdcop::sim {
namespace {

using nlohmann::json;

std::string Stamp(Time t, ApiVersion version) {
  return version == ApiVersion::kV1 ? FormatAirflow2(t) : FormatIsoZ(t);
}

json OptionalStamp(const std::optional<Time>& t, ApiVersion version) {
  return t ? json(Stamp(*t, version)) : json(nullptr);
}

std::string ProblemType(int status) {
  std::string kind = status == 401   ? "Unauthenticated"
                     : status == 404 ? "NotFound"
                     : status == 400 ? "BadRequest"
                     : status == 409 ? "AlreadyExists"
                                     : "Unknown";
  return "https://airflow.apache.org/docs/apache-airflow/2.8.0/stable-rest-api-ref.html"
         "#section/Errors/" +
         kind;
}

json CommonRunFields(const DagRun& run, ApiVersion v) {
  json conf = json::parse(run.conf, nullptr, /*allow_exceptions=*/false);
  return {{"dag_id", run.dag_id},
          {"dag_run_id", run.run_id},
          {"state", RunStateName(run.state)},
          {"start_date", OptionalStamp(run.start_date, v)},
          {"end_date", OptionalStamp(run.end_date, v)},
          {"logical_date", OptionalStamp(run.logical_date, v)},
          {"data_interval_start", OptionalStamp(run.data_interval_start, v)},
          {"data_interval_end", OptionalStamp(run.data_interval_end, v)},
          {"run_type", run.type == RunType::kManual ? "manual" : "scheduled"},
          {"conf", conf.is_object() ? conf : json::object()},
          {"note", run.note ? json(*run.note) : json(nullptr)}};
}

// The state of a run's one task: none while the run is queued.
json TaskState(const DagRun& run) {
  return run.state == RunState::kQueued ? json(nullptr) : json(RunStateName(run.state));
}

json TaskInstanceJson(const DagRun& run, ApiVersion v) {
  json j = {{"task_id", kRunTaskId}, {"dag_id", run.dag_id}, {"dag_run_id", run.run_id}};
  if (v == ApiVersion::kV1) {
    j["execution_date"] = OptionalStamp(run.logical_date, v);
    return j;
  }
  j["map_index"] = -1;
  j["logical_date"] = OptionalStamp(run.logical_date, v);
  j["run_after"] = Stamp(run.run_after, v);
  j["start_date"] = OptionalStamp(run.start_date, v);
  j["end_date"] = OptionalStamp(run.end_date, v);
  j["state"] = TaskState(run);
  return j;
}

}  // namespace

json RunJson(const DagRun& run, ApiVersion version) {
  json j = CommonRunFields(run, version);
  if (version == ApiVersion::kV1) {
    j["execution_date"] = OptionalStamp(run.logical_date, version);
    j["external_trigger"] = run.type == RunType::kManual;
    j["last_scheduling_decision"] = Stamp(run.last_changed, version);
  } else {
    j["queued_at"] = Stamp(run.queued_at, version);
    j["run_after"] = Stamp(run.run_after, version);
    j["last_scheduling_decision"] = Stamp(run.last_changed, version);
    j["triggered_by"] = run.type == RunType::kManual ? "rest_api" : "timetable";
  }
  return j;
}

json RunPageJson(const RunPage& page, ApiVersion version) {
  json runs = json::array();
  for (const DagRun& run : page.runs) runs.push_back(RunJson(run, version));
  return {{"dag_runs", std::move(runs)}, {"total_entries", page.total}};
}

json TaskInstancesJson(const std::vector<DagRun>& runs, ApiVersion version) {
  json tis = json::array();
  for (const DagRun& run : runs) tis.push_back(TaskInstanceJson(run, version));
  if (version == ApiVersion::kV1) return {{"task_instances", std::move(tis)}};
  return {{"task_instances", std::move(tis)}, {"total_entries", runs.size()}};
}

json RecordsXcomJson(const DagRun& run, ApiVersion version) {
  int64_t records = run.records.value_or(0);
  json j = {{"key", kRecordsKey},
            {"timestamp", Stamp(run.records_at, version)},
            {"map_index", -1},
            {"task_id", kRecordsTaskId},
            {"dag_id", run.dag_id}};
  if (version == ApiVersion::kV1) {
    j["execution_date"] = OptionalStamp(run.logical_date, version);
    j["value"] = std::to_string(records);  // Airflow 2 stringifies XCom values
  } else {
    j["logical_date"] = OptionalStamp(run.logical_date, version);
    j["run_id"] = run.run_id;
    j["value"] = records;
  }
  return j;
}

json HealthJson(const std::vector<ComponentHealth>& health, ApiVersion version) {
  json j = json::object();
  for (const ComponentHealth& h : health) {
    if (version == ApiVersion::kV1 && h.component == Component::kDagProcessor) continue;
    std::string name(ComponentName(h.component));
    json entry = {{"status", h.healthy ? "healthy" : "unhealthy"}};
    if (h.component != Component::kMetadatabase) {
      entry["latest_" + name + "_heartbeat"] = OptionalStamp(h.heartbeat, version);
    }
    j[name] = std::move(entry);
  }
  return j;
}

json ProblemJson(int status, std::string_view title, std::string_view detail) {
  return {{"detail", detail}, {"status", status}, {"title", title}, {"type", ProblemType(status)}};
}

json DetailJson(std::string_view detail) { return {{"detail", detail}}; }

json ValidationErrorJson(std::string_view field, std::string_view message) {
  json loc = json::array({"body"});
  if (field != "body") loc.push_back(field);
  return {{"detail", json::array({{{"type", "value_error"},
                                   {"loc", std::move(loc)},
                                   {"msg", message},
                                   {"input", nullptr}}})}};
}

json UniqueViolationJson() {
  return {{"detail",
           {{"reason", "Unique constraint violation"},
            {"statement", "hidden"},
            {"orig_error", "hidden"},
            {"message",
             "Serious error when handling your request. Check logs for more details - "
             "you will find it in api server when you look for ID pipeline-sim"}}}};
}

json SnapshotJson(const std::vector<DagSnapshot>& dags) {
  json out = json::object();
  for (const DagSnapshot& dag : dags) {
    json runs = json::array();
    for (const DagRun& run : dag.runs) {
      json r = RunJson(run, ApiVersion::kV1);
      r["records"] = run.records ? json(*run.records) : json(nullptr);
      runs.push_back(std::move(r));
    }
    out[dag.dag_id] = {{"fail_next", dag.fail_next}, {"runs", std::move(runs)}};
  }
  return out;
}

}  // namespace usdcop::sim
