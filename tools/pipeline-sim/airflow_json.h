// The JSON bodies of the simulated Airflow: runs, XCom entries, health and errors in the shapes
// of Airflow 2.8 (API v1) and Airflow 3 (API v2). Pure functions.
#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "airflow_model.h"

namespace usdcop::sim {

enum class ApiVersion { kV1, kV2 };

// The XCom where a run's record count sits: task "report", key "records".
inline constexpr std::string_view kRecordsTaskId = "report";
inline constexpr std::string_view kRecordsKey = "records";

nlohmann::json RunJson(const DagRun& run, ApiVersion version);
nlohmann::json RunPageJson(const RunPage& page, ApiVersion version);
// The records XCom of `run`, which must have records.
nlohmann::json RecordsXcomJson(const DagRun& run, ApiVersion version);
nlohmann::json HealthJson(const std::vector<ComponentHealth>& health, ApiVersion version);

// Airflow 2's problem+json error: {"detail", "status", "title", "type"}.
nlohmann::json ProblemJson(int status, std::string_view title, std::string_view detail);
// Airflow 3 (FastAPI) error: {"detail": ...}.
nlohmann::json DetailJson(std::string_view detail);

// Everything the model holds, for GET /sim/state.
nlohmann::json SnapshotJson(const std::vector<DagSnapshot>& dags);

}  // namespace usdcop::sim
