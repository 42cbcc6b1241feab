// The simulated Airflow API's error answers, in each version's shape: Airflow 2's problem+json
// (API v1) and Airflow 3's FastAPI errors (API v2). Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include <httplib.h>

#include "airflow/json.h"
#include "airflow/model.h"
#include "shared/http_util.h"

namespace usdcop::sim {

// {"detail", "status", "title", "type"} (v1) or {"detail"} (v2); a v1 401 adds
// WWW-Authenticate.
void ReplyApiError(httplib::Response& res, ApiVersion version, int status, std::string_view title,
                   std::string_view detail);
// 404: the DAG is unknown.
void ReplyDagNotFound(httplib::Response& res, ApiVersion version, const std::string& dag_id);
// 404: the DAG or the run is unknown.
void ReplyRunNotFound(httplib::Response& res, ApiVersion version, const std::string& dag_id,
                      const std::string& run_id);
// A write call's body was refused: 400 with marshmallow's messages as the detail (v1), 422
// with FastAPI's validation error list (v2).
void ReplyBodyError(httplib::Response& res, ApiVersion version, const Error& error);
// 409: a trigger's run id or logical date is taken (`result` is that conflict).
void ReplyTriggerConflict(httplib::Response& res, ApiVersion version, const TriggerResult& result);

}  // namespace usdcop::sim
