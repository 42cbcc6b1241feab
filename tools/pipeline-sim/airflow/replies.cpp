#include "airflow/replies.h"

#include <algorithm>

namespace usdcop::sim {
namespace {

std::string Quoted(ApiVersion version, const std::string& text) {
  return version == ApiVersion::kV1 ? "'" + text + "'" : "`" + text + "`";
}

// Python's isoformat(sep=' '), as Airflow 2 prints a logical date in its conflict message.
std::string SpacedIso(Time t) {
  std::string text = FormatAirflow2(t);
  std::replace(text.begin(), text.end(), 'T', ' ');
  return text;
}

}  // namespace

void ReplyApiError(httplib::Response& res, ApiVersion version, int status, std::string_view title,
                   std::string_view detail) {
  ReplyJson(res, status,
            version == ApiVersion::kV1 ? ProblemJson(status, title, detail) : DetailJson(detail));
  if (status == 401 && version == ApiVersion::kV1) res.set_header("WWW-Authenticate", "Basic");
}

void ReplyDagNotFound(httplib::Response& res, ApiVersion version, const std::string& dag_id) {
  std::string detail = version == ApiVersion::kV1
                           ? "DAG with dag_id: " + Quoted(version, dag_id) + " not found"
                           : "The Dag with ID: " + Quoted(version, dag_id) + " was not found";
  ReplyApiError(res, version, 404, "DAG not found", detail);
}

void ReplyRunNotFound(httplib::Response& res, ApiVersion version, const std::string& dag_id,
                      const std::string& run_id) {
  std::string detail = version == ApiVersion::kV1
                           ? "Dag Run id " + run_id + " not found in dag " + dag_id
                           : "The DagRun with dag_id: " + Quoted(version, dag_id) +
                                 " and run_id: " + Quoted(version, run_id) + " was not found";
  ReplyApiError(res, version, 404, "DAGRun not found", detail);
}

void ReplyBodyError(httplib::Response& res, ApiVersion version, const Error& error) {
  if (version == ApiVersion::kV2) {
    return ReplyJson(res, 422, ValidationErrorJson(error.field, error.message));
  }
  // marshmallow's ValidationError.messages, printed by Python: {'field': ['message']}
  std::string key = error.field == "body" ? "_schema" : error.field;
  ReplyApiError(res, version, 400, "Bad Request", "{'" + key + "': ['" + error.message + "']}");
}

void ReplyTriggerConflict(httplib::Response& res, ApiVersion version, const TriggerResult& result) {
  if (version == ApiVersion::kV2) return ReplyJson(res, 409, UniqueViolationJson());
  const DagRun& run = result.run;
  std::string what = result.outcome == TriggerOutcome::kLogicalDateTaken && run.logical_date
                         ? "DAGRun logical date: '" + SpacedIso(*run.logical_date) + "'"
                         : "DAGRun ID: '" + run.run_id + "'";
  ReplyApiError(res, version, 409, "Conflict",
                "DAGRun with DAG ID: '" + run.dag_id + "' and " + what + " already exists");
}

}  // namespace usdcop::sim
