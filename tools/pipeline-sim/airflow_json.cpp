#include "airflow_json.h"

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
                                     : "Unknown";
  return "https://airflow.apache.org/docs/apache-airflow/2.8.0/stable-rest-api-ref.html"
         "#section/Errors/" + kind;
}

json CommonRunFields(const DagRun& run, ApiVersion v) {
  return {{"dag_id", run.dag_id},
          {"dag_run_id", run.run_id},
          {"state", RunStateName(run.state)},
          {"start_date", OptionalStamp(run.start_date, v)},
          {"end_date", OptionalStamp(run.end_date, v)},
          {"logical_date", Stamp(run.logical_date, v)},
          {"data_interval_start", Stamp(run.data_interval_start, v)},
          {"data_interval_end", Stamp(run.data_interval_end, v)},
          {"run_type", run.type == RunType::kManual ? "manual" : "scheduled"},
          {"conf", json::object()},
          {"note", nullptr}};
}

}  // namespace

json RunJson(const DagRun& run, ApiVersion version) {
  json j = CommonRunFields(run, version);
  if (version == ApiVersion::kV1) {
    j["execution_date"] = Stamp(run.logical_date, version);
    j["external_trigger"] = run.type == RunType::kManual;
    j["last_scheduling_decision"] = Stamp(run.last_changed, version);
  } else {
    j["queued_at"] = Stamp(run.queued_at, version);
    j["run_after"] = Stamp(run.queued_at, version);
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

json RecordsXcomJson(const DagRun& run, ApiVersion version) {
  int64_t records = run.records.value_or(0);
  json j = {{"key", kRecordsKey},
            {"timestamp", Stamp(run.records_at, version)},
            {"map_index", -1},
            {"task_id", kRecordsTaskId},
            {"dag_id", run.dag_id}};
  if (version == ApiVersion::kV1) {
    j["execution_date"] = Stamp(run.logical_date, version);
    j["value"] = std::to_string(records);  // Airflow 2 stringifies XCom values
  } else {
    j["logical_date"] = Stamp(run.logical_date, version);
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
