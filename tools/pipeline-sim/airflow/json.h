// The JSON bodies of the simulated Airflow: runs, XCom entries, health and errors in the shapes
// of Airflow 2.8 (API v1) and Airflow 3 (API v2). Pure functions.
#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "airflow/model.h"

namespace usdcop::sim {

enum class ApiVersion { kV1, kV2 };

// The XCom where a run's record count sits: task "report", key "records".
inline constexpr std::string_view kRecordsTaskId = "report";
inline constexpr std::string_view kRecordsKey = "records";

// The task every run stands for in answers about task instances (the records XCom's task).
inline constexpr std::string_view kRunTaskId = kRecordsTaskId;

nlohmann::json RunJson(const DagRun& run, ApiVersion version);
nlohmann::json RunPageJson(const RunPage& page, ApiVersion version);
// The task instances a clear picked, one per run: API v1's TaskInstanceReferenceCollection
// {"task_instances": [{"task_id", "dag_run_id", "dag_id", "execution_date"}]}, API v2's
// TaskInstanceCollectionResponse {"task_instances": [...], "total_entries"} (a subset of
// Airflow 3's task instance fields).
nlohmann::json TaskInstancesJson(const std::vector<DagRun>& runs, ApiVersion version);
// The records XCom of `run`, which must have records.
nlohmann::json RecordsXcomJson(const DagRun& run, ApiVersion version);
nlohmann::json HealthJson(const std::vector<ComponentHealth>& health, ApiVersion version);

// Airflow 2's problem+json error: {"detail", "status", "title", "type"}.
nlohmann::json ProblemJson(int status, std::string_view title, std::string_view detail);
// Airflow 3 (FastAPI) error: {"detail": ...}.
nlohmann::json DetailJson(std::string_view detail);
// Airflow 3's 422 for a request body that fails validation: {"detail": [{"type", "loc",
// "msg", "input"}]}, `field` being the body key at fault ("body" for the body as a whole).
nlohmann::json ValidationErrorJson(std::string_view field, std::string_view message);
// Airflow 3's 409 for a row that already exists (its unique-constraint handler, with the
// statement hidden as by default).
nlohmann::json UniqueViolationJson();

// Everything the model holds, for GET /sim/state.
nlohmann::json SnapshotJson(const std::vector<DagSnapshot>& dags);

}  // namespace usdcop::sim
