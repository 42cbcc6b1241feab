// The bodies of the simulated Airflow's write calls, read into what the model is to do, with
// the defaults and checks of Airflow 2.8 (API v1) and Airflow 3 (API v2). A refused body is
// answered as the FieldReader's first problem, a kBadInput Error. Pure functions.
#pragma once

#include <optional>
#include <string>

#include "airflow/json.h"
#include "airflow/model.h"
#include "shared/http_util.h"
#include "shared/sim_time.h"

namespace usdcop::sim {

// A write call's body: a JSON object, required (an empty body is refused).
FieldReader ReadApiBody(const std::string& body);

// POST /api/v{1,2}/dags/{dag}/dagRuns.
//   v1: "dag_run_id"?, "logical_date"? or "execution_date"? (equal when both; default now),
//       "conf"? (an object), "note"?
//   v2: "logical_date" (required, may be null), "dag_run_id"?, "data_interval_start"? and
//       "data_interval_end"? (both or neither), "run_after"? (default now), "conf"?, "note"?
Result<TriggerSpec> ParseTriggerBody(FieldReader& body, ApiVersion version, Time now);

// POST /api/v{1,2}/dags/{dag}/dagRuns/{run}/clear: "dry_run"? (default true); v2 also
// "only_failed"? (default false). The run id is the caller's to set.
Result<ClearSpec> ParseClearRunBody(FieldReader& body, ApiVersion version);

// POST /api/v{1,2}/dags/{dag}/clearTaskInstances: "dry_run"? (default true), "only_failed"?
// (default true), "only_running"? (default false), "reset_dag_runs"? (default false in v1, true
// in v2), "dag_run_id"? or "start_date"?/"end_date"? (bounds on the logical date).
Result<ClearSpec> ParseClearTasksBody(FieldReader& body, ApiVersion version);

}  // namespace usdcop::sim
