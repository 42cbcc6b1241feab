// The write calls of the simulated Airflow API (see airflow.h): trigger a run, clear a run,
// clear task instances, in API v1 and v2.
#include "airflow/api.h"
#include "airflow/requests.h"
#include "shared/http_util.h"

namespace usdcop::sim {
namespace {

// Who made a call, for the action record: the basic-auth user (v1), "token" (v2).
std::string ActingUser(const httplib::Request& req, ApiVersion version) {
  if (version == ApiVersion::kV2) return "token";
  auto given = BasicAuthCredentials(req);
  return given ? given->username : "";
}

}  // namespace

void AirflowApi::RegisterWrites(httplib::Server& server) {
  for (ApiVersion version : {ApiVersion::kV1, ApiVersion::kV2}) {
    std::string dag = version == ApiVersion::kV1 ? "/api/v1/dags/([^/]+)" : "/api/v2/dags/([^/]+)";
    server.Post(dag + "/dagRuns", Write(version, &AirflowApi::TriggerRun));
    server.Post(dag + "/dagRuns/([^/]+)/clear", Write(version, &AirflowApi::ClearRun));
    server.Post(dag + "/clearTaskInstances", Write(version, &AirflowApi::ClearTaskInstances));
  }
}

httplib::Server::HandlerWithContentReader AirflowApi::Write(ApiVersion version, WriteRoute route) {
  return OptionalBody(
      Guarded(version, true, [this, route](const Request& req, Response& res, ApiVersion v) {
        std::optional<std::string> run_id = (this->*route)(req, res, v);
        actions_.Record({req.method, req.path, PathParam(req, 1), std::move(run_id),
                         ActingUser(req, v), RecordedBody(req.body), res.status});
      }));
}

std::optional<std::string> AirflowApi::TriggerRun(const Request& req, Response& res,
                                                  ApiVersion version) {
  std::string dag_id = PathParam(req, 1);
  FieldReader body = ReadApiBody(req.body);
  auto spec = ParseTriggerBody(body, version, Now());
  if (!spec.ok()) {
    ReplyBodyError(res, version, spec.error());
    return std::nullopt;
  }
  TriggerResult result = model_.TriggerRun(dag_id, *spec);
  switch (result.outcome) {
    case TriggerOutcome::kCreated:
      ReplyJson(res, 200, RunJson(result.run, version));
      return result.run.run_id;
    case TriggerOutcome::kUnknownDag:
      ReplyDagNotFound(res, version, dag_id);
      return std::nullopt;
    case TriggerOutcome::kRunIdTaken:
    case TriggerOutcome::kLogicalDateTaken:
      break;
  }
  ReplyTriggerConflict(res, version, result);
  return result.run.run_id;
}

std::optional<std::string> AirflowApi::ClearRun(const Request& req, Response& res,
                                                ApiVersion version) {
  std::string dag_id = PathParam(req, 1);
  std::string run_id = PathParam(req, 2);
  FieldReader body = ReadApiBody(req.body);
  auto spec = ParseClearRunBody(body, version);
  if (!spec.ok()) {
    ReplyBodyError(res, version, spec.error());
    return run_id;
  }
  spec->run_id = run_id;
  auto cleared = model_.ClearRuns(dag_id, *spec);  // picks nothing when the run is unknown
  auto run = FindRunOr404(res, version, dag_id, run_id);
  if (!run) return run_id;
  ReplyJson(res, 200,
            spec->dry_run ? TaskInstancesJson(cleared.value_or(std::vector<DagRun>{}), version)
                          : RunJson(*run, version));
  return run_id;
}

std::optional<std::string> AirflowApi::ClearTaskInstances(const Request& req, Response& res,
                                                          ApiVersion version) {
  std::string dag_id = PathParam(req, 1);
  FieldReader body = ReadApiBody(req.body);
  auto spec = ParseClearTasksBody(body, version);
  if (!spec.ok()) {
    ReplyBodyError(res, version, spec.error());
    return std::nullopt;
  }
  auto cleared = model_.ClearRuns(dag_id, *spec);  // picks nothing when the run is unknown
  if (!cleared) {
    ReplyDagNotFound(res, version, dag_id);
    return spec->run_id;
  }
  if (spec->run_id && !FindRunOr404(res, version, dag_id, *spec->run_id)) return spec->run_id;
  ReplyJson(res, 200, TaskInstancesJson(*cleared, version));
  return spec->run_id;
}

std::optional<DagRun> AirflowApi::FindRunOr404(Response& res, ApiVersion version,
                                               const std::string& dag_id,
                                               const std::string& run_id) const {
  auto run = model_.FindRun(dag_id, run_id);
  if (!run) ReplyRunNotFound(res, version, dag_id, run_id);
  return run;
}

}  // namespace usdcop::sim
