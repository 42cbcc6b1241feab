// The simulated Airflow REST API served to the exporter:
//   API v1 (Airflow 2.8, basic auth): GET /api/v1/dags/{dag}/dagRuns, .../xcomEntries/{key},
//     GET /api/v1/health (no auth);
//   API v2 (Airflow 3, bearer token): POST /auth/token, GET /api/v2/dags/{dag}/dagRuns,
//     .../xcomEntries/{key}, GET /api/v2/monitor/health (no auth);
//   and in both versions the write calls (airflow_write.cpp): POST .../dags/{dag}/dagRuns
//     (trigger), POST .../dagRuns/{run}/clear, POST .../dags/{dag}/clearTaskInstances, each
//     recorded in AirflowActions.
// Every route first applies the injected API fault (hang, garbage, unauthorized, server_error).
// Handlers are thread-safe; the objects passed in must outlive the server.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <httplib.h>

#include "airflow/actions.h"
#include "airflow/auth.h"
#include "airflow/faults.h"
#include "airflow/json.h"
#include "airflow/model.h"
#include "airflow/replies.h"

namespace usdcop::sim {

class AirflowApi {
 public:
  AirflowApi(AirflowModel& model, FaultInjector& faults, TokenStore& tokens,
             AirflowActions& actions, Credentials credentials);
  AirflowApi(const AirflowApi&) = delete;
  AirflowApi& operator=(const AirflowApi&) = delete;

  void Register(httplib::Server& server);

 private:
  using Request = httplib::Request;
  using Response = httplib::Response;
  using Route = std::function<void(const Request&, Response&, ApiVersion)>;

  // Wraps a route with the fault gate and, when `auth`, the version's authentication.
  httplib::Server::Handler Guarded(ApiVersion version, bool auth, Route route);
  // Answers the request when the active fault decides it; false to carry on.
  bool AnsweredByFault(ApiVersion version, Response& res);
  bool Authorized(const Request& req, ApiVersion version) const;

  void ListRuns(const Request& req, Response& res, ApiVersion version);
  void GetXcom(const Request& req, Response& res, ApiVersion version);
  void GetHealth(const Request& req, Response& res, ApiVersion version);
  void IssueToken(const Request& req, Response& res);

  // A write route answers the request and names the run it created or acted on, if any.
  using WriteRoute = std::optional<std::string> (AirflowApi::*)(const Request&, Response&,
                                                                ApiVersion);
  void RegisterWrites(httplib::Server& server);
  // Guarded (with authentication) and recorded in actions_ once answered.
  httplib::Server::HandlerWithContentReader Write(ApiVersion version, WriteRoute route);
  std::optional<std::string> TriggerRun(const Request& req, Response& res, ApiVersion version);
  std::optional<std::string> ClearRun(const Request& req, Response& res, ApiVersion version);
  std::optional<std::string> ClearTaskInstances(const Request& req, Response& res,
                                                ApiVersion version);
  // The run, or nullopt once 404 is answered (unknown DAG or run).
  std::optional<DagRun> FindRunOr404(Response& res, ApiVersion version, const std::string& dag_id,
                                     const std::string& run_id) const;

  AirflowModel& model_;
  FaultInjector& faults_;
  TokenStore& tokens_;
  AirflowActions& actions_;
  const Credentials credentials_;
};

}  // namespace usdcop::sim
