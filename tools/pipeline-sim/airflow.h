// The simulated Airflow REST API served to the exporter:
//   API v1 (Airflow 2.8, basic auth): GET /api/v1/dags/{dag}/dagRuns, .../xcomEntries/{key},
//     GET /api/v1/health (no auth);
//   API v2 (Airflow 3, bearer token): POST /auth/token, GET /api/v2/dags/{dag}/dagRuns,
//     .../xcomEntries/{key}, GET /api/v2/monitor/health (no auth).
// Every route first applies the injected API fault (hang, garbage, unauthorized, server_error).
// Handlers are thread-safe; the objects passed in must outlive the server.
#pragma once

#include <functional>

#include <httplib.h>

#include "airflow_auth.h"
#include "airflow_json.h"
#include "airflow_model.h"
#include "faults.h"

namespace usdcop::sim {

class AirflowApi {
 public:
  AirflowApi(AirflowModel& model, FaultInjector& faults, TokenStore& tokens,
             Credentials credentials);
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

  AirflowModel& model_;
  FaultInjector& faults_;
  TokenStore& tokens_;
  const Credentials credentials_;
};

// Error replies in each version's shape.
void ReplyApiError(httplib::Response& res, ApiVersion version, int status, std::string_view title,
                   std::string_view detail);

}  // namespace usdcop::sim
